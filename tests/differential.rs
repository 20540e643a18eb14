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

/// Hand-written foreign content (SVG/MathML) cases, each whole and at every
/// cut: the scanner must read exactly what html5ever builds.
#[test]
fn foreign_content_cases_agree_with_html5ever() {
    let cases: &[&str] = &[
        // A stray end tag naming no open element is ignored: still SVG.
        "<svg></foo><script href=x></script><image href=y />",
        "<math></mtext2><iframe src=x></iframe><svg><script href=y></script>",
        "<svg></body><script href=x></script>",
        "<title>t</title><svg></title><script href=x></script>",
        "<form><svg></form><script href=x></script>",
        "<template><form><svg></form><script src=x></script>",
        // ... but one naming an open HTML element closes it and the foreign content in it.
        "<div><svg></div><script src=x></script>",
        "<b><math></b><iframe src=x></iframe>",
        "<a href=/><svg><g></a><script src=x></script>",
        "<a href=/><div><svg></a><script src=x></script>",
        "<h2><svg></h3><script src=x></script>",
        "<my-very-long-custom-element-name-x><svg></my-very-long-custom-element-name-x><script src=x></script>",
        "<template><svg><foreignObject></template></foreignObject><script href=x></script>",
        "<div><svg><foreignObject><div><svg></div><iframe src=x></iframe></foreignObject><script href=y></script>",
        "<div><svg><foreignObject></div><iframe src=x></iframe></foreignObject><script href=y></script>",
        "<table><tr><td><svg><foreignObject></td></foreignObject><script href=x></script>",
        // (The spec counts annotation-xml as a scope boundary: html5ever
        // does not, and the scanner, unsure, leaves as well.)
        "<div><math><annotation-xml></div><iframe src=x></iframe>",
        // The end tag of raw text in an integration point closes only that element.
        "<svg><style><foreignObject><style></style><script src=x></script>",
        // annotation-xml: the first `encoding` decides, references decoded.
        "<math><annotation-xml encoding=\"text/html\" encoding=\"x\"><iframe src=x></iframe>",
        "<math><annotation-xml encoding=\"x\" encoding=\"text/html\"><iframe src=x></iframe>",
        "<math><annotation-xml encoding=\"text&#x2F;html\"><iframe src=x></iframe>",
        "<math><annotation-xml ENCODING=\"Application/XHTML&plus;XML\"><iframe src=x></iframe>",
        "<math><annotation-xml encoding=\"text/html&amp;\"><iframe src=x></iframe>",
        // An SVG script ends with a breakout tag or an ancestor's end tag.
        "<svg><script>a<p><script src=x></script>",
        "<svg><script>a</svg><script src=x></script>",
        "<svg><g><script>a</g><script href=x></script>",
        "<svg><script>a<font color=red><script src=x></script>",
        "<svg><script>a<font><script href=x></script>",
        // CDATA only in foreign content; a bogus comment in HTML.
        "<svg><![CDATA[<img src=x>]]></svg><![CDATA[><img src=y>]]>",
        "<div><svg></div><![CDATA[><img src=x>]]>",
        "<svg></foo><![CDATA[><img src=x>]]>",
        "<svg><title><![CDATA[<img src=x>]]></title>",
        "<svg><foreignObject><div><![CDATA[><img src=x>]]>",
        "<svg><foreignObject><img src=a><![CDATA[><img src=x>]]>",
        "<math><mi><b><![CDATA[><img src=x>]]>",
    ];
    let mut failures = Vec::new();
    for html in cases {
        let bytes = html.as_bytes();
        for cut in 0..bytes.len() {
            let cuts: &[usize] = if cut == 0 { &[] } else { &[cut] };
            if let Err(e) = differential::compare(bytes, cuts, true) {
                failures.push(format!(
                    "{html:?} cut at {cut}: {e}\n  html5ever: {:?}\n  scanner:   {:?}",
                    differential::html5ever_elements(bytes),
                    differential::scanner_elements(bytes, cuts)
                ));
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Where the scanner reads foreign content differently from html5ever, on
/// purpose: the scanner's reading of each case and why.
///
/// It knows which HTML elements may be open only by the names of the HTML
/// start tags seen so far, so an end tag naming one that was closed (or is
/// out of reach) still ends the foreign content for it. When unsure it
/// leaves foreign content, which reads what follows as HTML: staying wrongly
/// would read an HTML `<script src>` or `<iframe>` as foreign and let it load.
#[test]
fn foreign_content_documented_differences() {
    type Element = (
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
    );
    let cases: &[(&str, &[Element], &str)] = &[
        (
            "<div></div><svg></div><script href=x></script>",
            &[("html", "script", &[("href", "x")])],
            "no div is open, but one was",
        ),
        (
            "<span><div><svg></span><script href=x></script>",
            &[("html", "script", &[("href", "x")])],
            "the div (special) stops the end tag before the span",
        ),
        (
            "<svg><foreignObject><b></b><![CDATA[><img src=x>]]>",
            &[("html", "img", &[("src", "x")])],
            "the b was closed: CDATA in the foreignObject, read as a bogus comment",
        ),
        (
            "<span><svg><foreignObject></span></foreignObject><script href=x></script>",
            &[("svg", "script", &[("href", "x")])],
            "html5ever does not count foreignObject as special, the spec does: the end tag \
             stops there",
        ),
    ];
    for (html, scanner, why) in cases {
        let bytes = html.as_bytes();
        let ours = differential::scanner_elements(bytes, &[]);
        let expected: Vec<_> = scanner
            .iter()
            .map(|(ns, name, attrs)| {
                let attrs = attrs.iter().map(|&(n, v)| (n.into(), v.into())).collect();
                (ns.to_string(), name.to_string(), attrs)
            })
            .collect();
        assert_eq!(ours, expected, "{html:?}: {why}");
        assert!(
            differential::compare(bytes, &[], true).is_err(),
            "{html:?} now agrees with html5ever: move it to the agreeing cases"
        );
    }
}
