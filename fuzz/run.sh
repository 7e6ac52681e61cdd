#!/usr/bin/env bash
# Fuzzes one target of semcom-fuzz with AFL++ (afl.rs) until EXECS executions (or
# FUZZ_SECONDS, when set), then prints the execution and crash counts.
# Usage: fuzz/run.sh TARGET [EXECS]   (needs `cargo install cargo-afl`)
set -euo pipefail
cd "$(dirname "$0")"
t=$1
n=${2:-1000000}
# rav1e links libfuzzer-sys under `--cfg fuzzing`, whose coverage hooks clash with AFL's.
export AFL_NO_CFG_FUZZING=1
cargo afl build --release
# cargo-afl's RUSTFLAGS replace the rpath of .cargo/config.toml: find LibTorch at run time.
lt=$(sed -n 's/^LIBTORCH = "\(.*\)"/\1/p' ../.cargo/config.toml 2>/dev/null || true)
export LD_LIBRARY_PATH="${lt:-${LIBTORCH:-}}/lib:${LD_LIBRARY_PATH:-}"
bin=target/release/semcom-fuzz
rm -rf "in/$t"
mkdir -p out
SEMCOM_FUZZ_TARGET=$t "$bin" --seeds "in/$t"
[ -n "$(ls -A "in/$t")" ] || echo 0 > "in/$t/zero"
export SEMCOM_FUZZ_TARGET=$t AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
# Several targets at once on few cores: do not pin each to a core.
export AFL_NO_AFFINITY=1
limit=(-E "$n")
[ -n "${FUZZ_SECONDS:-}" ] && limit+=(-V "$FUZZ_SECONDS")
# -E: stop after about n executions; -t: 5 s per input (AVIF/HEVC decode in a forked child).
nice -n 10 cargo afl fuzz -i "in/$t" -o "out/$t" "${limit[@]}" -t 5000 "$bin" > "out-$t.log" 2>&1 || true
stats=out/$t/default/fuzzer_stats
echo "$t: $(grep -E '^execs_done' "$stats" | tr -s ' ') $(grep -E '^saved_crashes' "$stats" | tr -s ' ') $(grep -E '^saved_hangs' "$stats" | tr -s ' ') $(grep -E '^run_time' "$stats" | tr -s ' ')"
