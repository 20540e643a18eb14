#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time (default 10 s each; the
# whole stage, build included, stays under 5 minutes on CI's 2 cores).
#
#   fuzz/run-ci.sh [SECONDS_PER_TARGET]
#
# cargo-fuzz passes nightly-only `-Z` flags to rustc; RUSTC_BOOTSTRAP=1 lets
# the stable toolchain accept them. No sanitizer (`-s none`): the crate
# denies unsafe code (its one exception, the AVX2 literal scan, has its own
# target, literal_set, checked against a naive search), and the build stays
# short. Each target starts from its saved inputs in
# fuzz/regressions/<target>/ and grows a scratch corpus in
# fuzz/corpus/<target>/ (not committed). A crash fails the run and is
# copied into fuzz/regressions/<target>/: once fixed, commit it there and
# `cargo test` replays it for good (tests/fuzz_regressions.rs).
#
# Quarantine: a target with inputs in fuzz/known-crashes/<target>/ has a
# known, unfixed crash. It is still fuzzed and its crashes are reported and
# saved there, but they do not fail the run; every other target's do. Once
# the bug is fixed, move the inputs into fuzz/regressions/<target>/ (then
# `cargo test` replays them) and the target is blocking again.
#
# The seed is fixed (FUZZ_SEED, default 1): on a clean checkout (no scratch
# corpus) a run tries the same inputs in the same order, so a CI result can
# be replayed, and a run of the same length here checks what CI will try.
# Finding new crashes is the job of longer runs with other seeds.
#
# Longer runs, one target: RUSTC_BOOTSTRAP=1 cargo fuzz run -s none decode_tcf \
#   fuzz/corpus/decode_tcf fuzz/regressions/decode_tcf -- -max_total_time=3600
set -euo pipefail
cd "$(dirname "$0")"
per_target="${1:-10}"
seed="${FUZZ_SEED:-1}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi
cargo fuzz build -s none
failed=()
for target in $(cargo fuzz list); do
    mkdir -p "corpus/$target" "regressions/$target"
    echo "-- fuzzing $target for ${per_target}s"
    if ! cargo fuzz run -s none "$target" "corpus/$target" "regressions/$target" -- \
        -max_total_time="$per_target" -seed="$seed" -rss_limit_mb=2048 -print_final_stats=1 \
        2> "corpus/$target.log"; then
        tail -n 30 "corpus/$target.log" >&2
        if compgen -G "known-crashes/$target/*" >/dev/null; then
            saved="known-crashes/$target"
            echo "QUARANTINED: $target crashed again (known, unfixed: fuzz/known-crashes/$target)" >&2
        else
            saved="regressions/$target"
            failed+=("$target")
        fi
        for crash in artifacts/"$target"/*; do
            [ -f "$crash" ] && cp "$crash" "$saved/"
        done
    else
        grep -E "^stat::number_of_executed_units" "corpus/$target.log" || true
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz targets that crashed: ${failed[*]} (inputs copied into fuzz/regressions/)" >&2
    exit 1
fi
echo "fuzzed every target for ${per_target}s: no crash outside quarantine"
