#!/usr/bin/env bash
# LDPC decoder speed, semcom against Sionna's LDPC5GDecoder (CPU) and ldpc-toolbox in the same
# run: BG1, K = 8448, R = 1/2, BPSK/AWGN at Eb/N0 = 2 dB, 10 iterations. Runs
# `cargo bench -p semcom-ldpc --bench decoder` once per instruction-set path the CPU supports
# (SEMCOM_SIMD=avx512|avx2|scalar), then scripts/bench_sionna_ldpc.py, and prints a table with
# the ratios (semcom at a fixed 10 iterations against Sionna's fastest row, which also runs a
# fixed 10 iterations, and against ldpc-toolbox's fastest decoder with early stopping).
#
# Sionna lives in its own virtual environment, created once at
# ${SEMCOM_CACHE:-~/.cache/semcom}/sionna-venv with `pip install sionna-no-rt==2.2.0` (Sionna
# without the ray tracer; its PyTorch comes from PyPI with the CUDA wheels, ≈ 3 GB download and
# 5 GB on disk, run on the CPU only). SEMCOM_SIONNA_PYTHON=/path/to/python uses an existing one.
# Env: SEMCOM_PATHS (default: every supported path), BENCH_OUT (keep the raw outputs there), and
# those of bench_sionna_ldpc.py (SEMCOM_BENCH_THREADS, SEMCOM_BENCH_SECS, SEMCOM_SIONNA_BATCHES,
# SEMCOM_SIONNA_COMPILE).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${SEMCOM_CACHE:-$HOME/.cache/semcom}"
PY="${SEMCOM_SIONNA_PYTHON:-}"
if [ -z "$PY" ]; then
  VENV="$CACHE/sionna-venv"
  if ! "$VENV/bin/python" -c "import sionna.phy" 2>/dev/null; then
    echo "[sionna] creating $VENV (pip install sionna-no-rt==2.2.0, ≈ 3 GB download, once)" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q "sionna-no-rt==2.2.0"
  fi
  PY="$VENV/bin/python"
fi
out="${BENCH_OUT:-$(mktemp -d)}"
mkdir -p "$out"
grep -m1 "model name" /proc/cpuinfo | sed 's/.*: /CPU: /' | tee "$out/cpu"
cargo bench -q -p semcom-ldpc --bench decoder --no-run 2>/dev/null
paths="${SEMCOM_PATHS:-avx512 avx2 scalar}"
for p in $paths; do
  SEMCOM_SIMD="$p" cargo bench -q -p semcom-ldpc --bench decoder 2>/dev/null > "$out/semcom_$p"
done
"$PY" scripts/bench_sionna_ldpc.py | tee "$out/sionna"
python3 - "$out" $paths <<'PY'
import re, sys
out, paths = sys.argv[1], sys.argv[2:]
def mbit(line):  # the Mbit/s per core column of the bench's table
    return float(line.split()[-3])
sionna = [l for l in open(f"{out}/sionna") if l.startswith("| Sionna")]
best_sionna = max((float(c[4]) for c in (l.split("|") for l in sionna)
                   if re.match(r"\s*[\d.]+\s*$", c[4])), default=None)
print(f"\nfastest Sionna row: {best_sionna} Mbit/s per core")
print("| path that ran | semcom f32 NMS, 10 it | semcom i16 NMS, 10 it | i16/f32 | fastest ldpc-toolbox (+ET) | f32 / toolbox | i16 / toolbox | f32 / Sionna | i16 / Sionna |")
print("|---|---|---|---|---|---|---|---|---|")
for p in paths:
    text = open(f"{out}/semcom_{p}").read().splitlines()
    ran = next(l.split(":")[1].split()[0] for l in text if l.startswith("instruction-set path"))
    f32 = mbit(next(l for l in text if l.startswith("semcom NMS 0.75 (layered f32), 10 it")))
    i16 = mbit(next(l for l in text if l.startswith("semcom NMS 0.75 (layered i16), 10 it")))
    tb = max(mbit(l) for l in text if l.startswith("ldpc-toolbox"))
    s = lambda v: f"{v / best_sionna:.0f}×" if best_sionna else "n/a"
    print(f"| {ran} | {f32:.1f} | {i16:.1f} | {i16 / f32:.2f} | {tb:.2f} | {f32 / tb:.0f}× "
          f"| {i16 / tb:.0f}× | {s(f32)} | {s(i16)} |")
PY
