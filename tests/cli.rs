//! The command line as a user runs it: the real binary, real pages.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_consentry");
const PAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/pages");

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("CONSENTRY_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&data));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    out
}

fn explain(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["explain"];
    all.extend_from_slice(args);
    let out = run(&all, b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn check_accepts_the_default_and_names_file_key_and_reason() {
    let out = run(&["check"], b"");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok"));

    let dir = std::env::temp_dir().join(format!("consentry-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[[tags.rule]]\nid = \"x\"\nvendor = \"X\"\ncategory = \"tracking\"\nhosts = [\"x.test\"]\n").unwrap();
    let out = run(&["check", "--config", bad.to_str().unwrap()], b"");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}: tags.rule[0].category: unknown category `tracking`",
            bad.display()
        )),
        "{stderr}"
    );
    let missing = dir.join("missing.toml");
    let out = run(&["check", "--config", missing.to_str().unwrap()], b"");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the file"));
}

#[test]
fn rewrite_removes_trackers_and_full_consent_is_byte_identical() {
    let page = std::fs::read(format!("{PAGES}/atlasobscura-article.html")).unwrap();
    let out = run(&["rewrite"], &page);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for gone in [
        "GTM-PH5RC2F",
        "fbq('init'",
        "connect.facebook.net/en_US/sdk.js",
    ] {
        assert!(!text.contains(gone), "{gone} survived");
    }
    assert!(text.contains("</html>"));

    let all = "consentry=preferences,analytics,marketing";
    let out = run(&["rewrite", "--cookie", all], &page);
    assert!(out.status.success());
    assert!(out.stdout == page, "full consent must be byte-identical");
    // A Cookie header given with --header is the same as --cookie.
    let out = run(&["rewrite", "--header", &format!("Cookie: {all}")], &page);
    assert!(out.stdout == page);
    // GPC restricts even full consent.
    let out = run(
        &["rewrite", "--cookie", all, "--header", "Sec-GPC: 1"],
        &page,
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("fbq('init'"));
}

#[test]
fn explain_reports_source_reason_and_signals() {
    let v = explain(&[]);
    assert_eq!(v["granted"], serde_json::json!(["necessary"]));
    assert_eq!(v["source"], "default");

    let v = explain(&[
        "--cookie",
        "consentry=analytics; CookieConsent=-1",
        "--header",
        "Sec-GPC: 1",
    ]);
    assert_eq!(v["granted"], serde_json::json!(["necessary", "analytics"]));
    assert_eq!(v["source"], "consentry");
    assert_eq!(v["gpc"], true);
    assert_eq!(v["signals"].as_array().unwrap().len(), 2);

    // Unreadable signals fail closed and the next source gets its turn.
    let v = explain(&["--cookie", "OptanonConsent=garbage; CookieConsent=-1"]);
    assert_eq!(v["source"], "cookiebot");
    assert_eq!(v["signals"][0]["readable"], false);

    let v = explain(&["--cookie", "euconsent-v2=not-a-tc-string"]);
    assert_eq!(v["granted"], serde_json::json!(["necessary"]));

    // Several cookie sources combine as one header would.
    let v = explain(&["--cookie", "a=1", "--header", "cookie: consentry=marketing"]);
    assert_eq!(v["granted"], serde_json::json!(["necessary", "marketing"]));

    let out = run(&["explain", "--header", "no colon here"], b"");
    assert!(!out.status.success());
}

#[test]
fn strings_from_the_iab_encoders_decode_as_encoded() {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("data/iab/vectors.json")).unwrap();
    for case in vectors["cases"].as_array().unwrap() {
        let v = explain(&["--cookie", case["cookie"].as_str().unwrap()]);
        assert_eq!(v["granted"], case["granted"], "{}", case["name"]);
        assert_eq!(v["source"], case["source"], "{}", case["name"]);
    }
}

/// `consentry … | head -1`: each command stops quietly when its reader
/// goes away, with exit 0 and nothing on stderr (`pipefail` reports the
/// command's own status).
#[test]
fn commands_end_quietly_when_the_reader_goes_away() {
    let page = format!("{PAGES}/pixnet-blog-post.html");
    let seeds = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/seeds/smarttel.toml"
    );
    let pipelines = [
        format!("{BIN} explain | head -1"),
        format!("{BIN} check | head -c 1"),
        format!("{BIN} policy --config {seeds} | head -1"),
        format!("{BIN} policy --config {seeds} --format json | head -c 10"),
        format!("{BIN} policy --format markdown | true"),
        // Past the pipe buffer: the write itself meets the closed pipe.
        format!("{BIN} rewrite < {page} | head -c 100"),
        format!("{BIN} rewrite --cookie consentry=preferences,analytics,marketing < {page} | head -c 100"),
    ];
    for pipeline in pipelines {
        let out = Command::new("bash")
            .args(["-c", &format!("set -o pipefail; {pipeline} >/dev/null")])
            .env_remove("CONSENTRY_CONFIG")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{pipeline}: {:?} {stderr}",
            out.status
        );
        assert!(stderr.is_empty(), "{pipeline}: {stderr}");
    }
    // Machine formats go to stdout, nothing else.
    let out = run(&["explain"], b"");
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap();
    assert!(out.stderr.is_empty());
}
