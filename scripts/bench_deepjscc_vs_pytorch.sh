#!/usr/bin/env bash
# Deep JSCC speed, tch-rs against PyTorch on the same machine in the same run: alternates
# `cargo bench -p semcom-nn --bench deepjscc` and `scripts/bench_pytorch.py` ROUNDS times (default
# 2) and prints the median (min–max) of each measure and the ratio of the medians (> 1 = tch faster).
# Needs a Python with torch==2.13.0 (the LibTorch semcom links): SEMCOM_TORCH_PYTHON=/path/to/python.
# SEMCOM_BENCH_THREADS (default 2) and SEMCOM_BENCH_SECS (default 5) apply to both sides.
# semcom tunes glibc's allocator (semcom_nn::tune_allocator); PYTORCH_TUNED_MALLOC=1 gives the
# Python side the same settings through MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${SEMCOM_TORCH_PYTHON:-python3}"
ROUNDS="${ROUNDS:-2}"
out="${BENCH_OUT:-$(mktemp -d)}"
mkdir -p "$out"
cargo bench -q -p semcom-nn --bench deepjscc --no-run
for r in $(seq "$ROUNDS"); do
  env -u MALLOC_MMAP_THRESHOLD_ -u MALLOC_TRIM_THRESHOLD_ cargo bench -q -p semcom-nn --bench deepjscc 2>/dev/null | grep '^|' > "$out/tch_$r"
  if [ "${PYTORCH_TUNED_MALLOC:-0}" = 1 ]; then
    export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456
  fi
  "$PY" scripts/bench_pytorch.py 2>/dev/null | grep '^|' > "$out/torch_$r"
done
python3 - "$out" "$ROUNDS" <<'PY'
import statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def read(side):
    vals = {}
    for r in range(1, rounds + 1):
        for line in open(f"{out}/{side}_{r}"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            try:
                v = float(cells[1])
            except (ValueError, IndexError):
                continue
            vals.setdefault(cells[0], []).append(v)
    return vals
t, p = read("tch"), read("torch")
print(f"median (min–max) of {rounds} alternated rounds")
print("| measure | tch-rs | PyTorch | ratio of medians (> 1 = tch faster) |")
print("|---|---|---|---|")
for k in t:
    mt, mp = statistics.median(t[k]), statistics.median(p[k])
    ratio = mp / mt if "(s)" in k else mt / mp
    rng = lambda v: f"{statistics.median(v):g} ({min(v):g}–{max(v):g})"
    print(f"| {k} | {rng(t[k])} | {rng(p[k])} | {ratio:.2f}× |")
PY
