//! Differential test: the scanner against html5ever's full parser on every
//! corpus page and on seeded random mutations of them, fed in random chunk
//! sizes. Bounded for CI (`CONSENTRY_DIFF_ROUNDS` mutations per page;
//! fewer in debug builds); `cargo fuzz run differential` runs it longer.
//! Set CONSENTRY_TEST_SEED to replay a failure.

#[path = "support/differential.rs"]
mod differential;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/pages");

fn pages() -> Vec<(String, Vec<u8>)> {
    let mut pages: Vec<_> = std::fs::read_dir(CORPUS)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    pages.sort();
    pages
}

fn cuts(rng: &mut StdRng, len: usize) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut at = 0;
    loop {
        at += if rng.random_bool(0.3) {
            rng.random_range(1..16)
        } else {
            rng.random_range(16..8192)
        };
        if at >= len {
            return cuts;
        }
        cuts.push(at);
    }
}

/// What mutations insert: the tokens that switch tokenizer states.
const INSERTS: &[&[u8]] = &[
    b"<!--",
    b"-->",
    b"--!>",
    b"<!-->",
    b"</script>",
    b"<script>",
    b"<svg>",
    b"</svg>",
    b"<math>",
    b"<![CDATA[",
    b"]]>",
    b"\"",
    b"'",
    b"\0",
    b"\r",
    b"<style>",
    b"</style>",
    b"<noscript>",
    b"</noscript>",
    b"<textarea>",
    b"<title>",
    b"<xmp>",
    b"<foreignObject>",
    b"<desc>",
    b"<mi>",
    b"<p>",
    b"</p>",
    b"<font color=1>",
    b"<",
    b">",
    b"=",
    b"/",
    b"<img src=/probe.png>",
    b"<script src=/probe.js>",
    b"<iframe>",
    b"</iframe>",
];

/// A copy of `page` with a few random edits.
fn mutate(rng: &mut StdRng, page: &[u8]) -> Vec<u8> {
    let mut html = page.to_vec();
    for _ in 0..rng.random_range(1..6) {
        let at = rng.random_range(0..=html.len());
        match rng.random_range(0..10) {
            // Flip the case of a run of bytes (tag names, attribute names).
            0 => {
                let end = (at + rng.random_range(1..12)).min(html.len());
                for b in &mut html[at..end] {
                    *b = if b.is_ascii_lowercase() {
                        b.to_ascii_uppercase()
                    } else {
                        b.to_ascii_lowercase()
                    };
                }
            }
            // Delete a few bytes.
            1 => {
                let end = (at + rng.random_range(1..8)).min(html.len());
                html.drain(at..end);
            }
            _ => {
                let insert = INSERTS[rng.random_range(0..INSERTS.len())];
                html.splice(at..at, insert.iter().copied());
            }
        }
    }
    html
}

#[test]
fn corpus_pages_agree_with_html5ever() {
    // A fixed seed by default, so that a CI run is repeatable; set
    // CONSENTRY_TEST_SEED to a number, or to `random`, to explore further
    // (the cargo-fuzz target `differential` explores without end).
    let seed = match std::env::var("CONSENTRY_TEST_SEED").ok().as_deref() {
        Some("random") => rand::rng().random(),
        Some(s) => s
            .parse()
            .expect("CONSENTRY_TEST_SEED is a number or `random`"),
        None => 20_261_204,
    };
    eprintln!("differential seed: {seed} (replay with CONSENTRY_TEST_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut failures = Vec::new();
    let pages = pages();
    assert!(pages.len() >= 29, "the corpus pages are present");
    for (name, html) in &pages {
        let cut = cuts(&mut rng, html.len());
        if let Err(e) = differential::compare(html, &cut, true) {
            failures.push(format!("{name}: {e}"));
        }
    }
    let rounds: usize = std::env::var("CONSENTRY_DIFF_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) { 15 } else { 100 });
    for round in 0..rounds {
        for (name, page) in &pages {
            let html = mutate(&mut rng, page);
            let cut = cuts(&mut rng, html.len());
            if let Err(e) = differential::compare(&html, &cut, false) {
                let saved = save_failure(name, round, &html);
                failures.push(format!(
                    "{name}, mutation round {round}: {e} (input: {saved})"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "seed {seed}:\n{}", failures.join("\n"));
}

/// Writes a failing input under target/ for a closer look; returns its path.
fn save_failure(name: &str, round: usize, html: &[u8]) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/differential-failures");
    let path = dir.join(format!("{name}.round{round}"));
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, html)) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("not saved: {e}"),
    }
}

/// Inputs the fuzzer found where the scanner once disagreed with html5ever,
/// each at every cut.
#[test]
fn fuzz_findings_agree_with_html5ever() {
    let findings: [&[u8]; 2] = [
        b"<svg>scripp<</scri<svg><script href\xd8>>",
        // Mutation round 39 of seed 15729410048449436086: `script\0` read as `script`.
        b"<script\0><img src=x><script src=y></script>",
    ];
    for html in findings {
        for cut in 0..html.len() {
            let cuts: &[usize] = if cut == 0 { &[] } else { &[cut] };
            if let Err(e) = differential::compare(html, cuts, false) {
                panic!("{:?} cut at {cut}: {e}", String::from_utf8_lossy(html));
            }
        }
    }
}
