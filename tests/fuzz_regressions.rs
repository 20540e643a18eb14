//! Every input saved in fuzz/regressions/<target>/ (crashes found by the
//! fuzzers, once fixed, and hand-picked edge cases) replayed through the
//! same check its cargo-fuzz target runs (fuzz/checks.rs), so a fixed
//! crash stays fixed without the fuzzers.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::Path;

#[test]
fn saved_fuzz_inputs_pass_their_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for (target, check) in checks::TARGETS {
        let dir = root.join(target);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == ".gitkeep") {
                continue;
            }
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} fails its check", path.display());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no saved inputs under {}", root.display());
}

#[test]
fn every_fuzz_target_has_a_check_and_a_regression_folder() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut targets: Vec<String> = std::fs::read_dir(fuzz.join("fuzz_targets"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().replace(".rs", ""))
        .collect();
    targets.sort();
    let checked: Vec<&str> = checks::TARGETS.iter().map(|(name, _)| *name).collect();
    assert_eq!(targets, checked);
    for target in targets {
        assert!(fuzz.join("regressions").join(&target).is_dir(), "{target}");
    }
}
