//! The corpus pages, shared by the benches.

const PAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/pages");

/// Every corpus page as (name, bytes), sorted by name.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    let mut pages: Vec<_> = std::fs::read_dir(PAGES)
        .expect("the corpus sits beside the repo")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| {
            let name = e
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".html")
                .to_string();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect();
    pages.sort();
    pages
}
