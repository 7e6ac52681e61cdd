#!/usr/bin/env python3
"""Sionna's LDPC5GDecoder on the CPU, on the code and channel of
`cargo bench -p semcom-ldpc --bench decoder`: BG1, K = 8448, N = 16896 (R = 1/2), BPSK over
AWGN at Eb/N0 = 2 dB, a fixed 10 iterations (Sionna decodes a batch without early stopping),
flooding schedule, check-node rules boxplus-phi (Sionna's default) and offset-minsum.

Prints one Markdown row per (rule, batch, eager/compiled): Mbit/s per core (information bits per
second of process CPU time, all threads), wall-clock Mbit/s and block errors. Needs
`pip install sionna-no-rt==2.2.0` (see scripts/bench_sionna_ldpc.sh).
Env: SEMCOM_BENCH_THREADS (default 2), SEMCOM_BENCH_SECS (default 5 per row),
SEMCOM_SIONNA_BATCHES (default "8,64"), SEMCOM_SIONNA_COMPILE (default 1: also torch.compile)."""
import os
import time

import torch

THREADS = int(os.environ.get("SEMCOM_BENCH_THREADS", "2"))
SECS = float(os.environ.get("SEMCOM_BENCH_SECS", "5"))
BATCHES = [int(b) for b in os.environ.get("SEMCOM_SIONNA_BATCHES", "8,64").split(",")]
COMPILE = os.environ.get("SEMCOM_SIONNA_COMPILE", "1") == "1"
torch.set_num_threads(THREADS)
torch.manual_seed(11)

import sionna  # noqa: E402
from sionna.phy.fec.ldpc import LDPC5GDecoder, LDPC5GEncoder  # noqa: E402

K, N, EBN0_DB, ITERS = 8448, 16896, 2.0, 10


def frames(enc, batch):
    """Information bits and Sionna's decoder input (logits ln p(1)/p(0) = −2y/σ²)."""
    bits = torch.randint(0, 2, (batch, K), dtype=torch.float32)
    x = 1.0 - 2.0 * enc(bits)
    esn0 = 10 ** (EBN0_DB / 10) * K / N  # per real BPSK symbol
    sigma2 = 1.0 / (2.0 * esn0)
    y = x + torch.randn_like(x) * sigma2**0.5
    return bits, -2.0 * y / sigma2


def measure(dec, bits, logits):
    """Decodes the batch repeatedly for SECS seconds; returns (cpu s, wall s, words, errors)."""
    out = dec(logits)  # warm-up (and compilation)
    errors = int((out != bits).any(dim=1).sum())
    n, c0, w0 = 0, time.process_time(), time.perf_counter()
    while time.perf_counter() - w0 < SECS or n == 0:
        dec(logits)
        n += 1
    return time.process_time() - c0, time.perf_counter() - w0, n * bits.shape[0], errors


def main():
    enc = LDPC5GEncoder(K, N)
    print(
        f"Sionna {sionna.__version__}, torch {torch.__version__}, {THREADS} threads, "
        f"BG1 K={K} N={N}, BPSK AWGN Eb/N0={EBN0_DB} dB, {ITERS} iterations (flooding)"
    )
    print("| decoder | batch | mode | Mbit/s per core (CPU time) | wall Mbit/s | block errors |")
    print("|---|---|---|---|---|---|")
    for rule in ["boxplus-phi", "offset-minsum"]:
        dec = LDPC5GDecoder(
            enc, cn_update=rule, num_iter=ITERS, hard_out=True, return_infobits=True
        )
        modes = [("eager", dec)]
        if COMPILE:
            modes.append(("compiled", torch.compile(dec)))
        for batch in BATCHES:
            bits, logits = frames(enc, batch)
            for mode, d in modes:
                with torch.no_grad():
                    try:
                        cpu, wall, words, errs = measure(d, bits, logits)
                    except Exception as e:  # e.g. no C compiler for torch.compile
                        print(f"| Sionna LDPC5GDecoder {rule} | {batch} | {mode} | failed: "
                              f"{type(e).__name__} | | |")
                        continue
                mbit = words * K / 1e6
                print(
                    f"| Sionna LDPC5GDecoder {rule} | {batch} | {mode} | {mbit / cpu:.3f} "
                    f"| {mbit / wall:.3f} | {errs}/{batch} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
