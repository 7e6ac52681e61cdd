#!/usr/bin/env python3
"""Deep JSCC (Bourtsoulatze et al. 2019, c=16) speed in PyTorch, same network and measures as
`cargo bench -p semcom-nn --bench deepjscc`: training steps/s (batch 32, 3x32x32, Adam, AWGN
10 dB), inference img/s (batch 32) and one 768x512 forward. Needs `pip install torch==2.13.0`.
Env: SEMCOM_BENCH_THREADS (default 2), SEMCOM_BENCH_SECS (default 5)."""
import os
import time

import torch
import torch.nn as nn

THREADS = int(os.environ.get("SEMCOM_BENCH_THREADS", "2"))
SECS = float(os.environ.get("SEMCOM_BENCH_SECS", "5"))
torch.set_num_threads(THREADS)
torch.manual_seed(0)


def block(cin, cout, stride, transposed, act):
    if transposed:
        conv = nn.ConvTranspose2d(cin, cout, 5, stride, 2, output_padding=stride - 1)
    else:
        conv = nn.Conv2d(cin, cout, 5, stride, 2)
    return [conv, nn.PReLU(cout) if act == "prelu" else nn.Sigmoid()]


class DeepJSCC(nn.Module):
    def __init__(self, c=16):
        super().__init__()
        e = [(3, 16, 2), (16, 32, 2), (32, 32, 1), (32, 32, 1), (32, c, 1)]
        d = [(c, 32, 1), (32, 32, 1), (32, 32, 1), (32, 16, 2), (16, 3, 2)]
        self.enc = nn.Sequential(*sum((block(a, b, s, False, "prelu") for a, b, s in e), []))
        self.dec = nn.Sequential(
            *sum((block(a, b, s, True, "prelu" if i < 4 else "sig") for i, (a, b, s) in enumerate(d)), [])
        )

    def forward(self, x, snr_db=10.0):
        z = self.enc(x)
        b = z.shape[0]
        f = z.reshape(b, -1)
        k = f.shape[1] / 2
        f = f * torch.sqrt(k / (f.pow(2).sum(1, keepdim=True) + 1e-12))
        f = f + torch.randn_like(f) * (10 ** (-snr_db / 10) / 2) ** 0.5
        return self.dec(f.reshape(z.shape))


def rate(fn):
    fn()
    t = time.perf_counter()
    n = 0
    while time.perf_counter() - t < SECS:
        fn()
        n += 1
    return n / (time.perf_counter() - t)


m = DeepJSCC()
opt = torch.optim.Adam(m.parameters(), 1e-3)
x = torch.rand(32, 3, 32, 32)


def step():
    y = m(x)
    loss = ((y - x) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()


def infer():
    with torch.no_grad():
        m(x)


big = torch.rand(1, 3, 512, 768)


def kodak():
    with torch.no_grad():
        m(big)


train = rate(step)
inf = 32 * rate(infer)
k = 1 / rate(kodak)
print(f"deep JSCC (c=16), PyTorch {torch.__version__} {THREADS} threads")
print("| measure | value |")
print("|---|---|")
print(f"| train steps/s (batch 32, 32x32, Adam) | {train:.1f} |")
print(f"| inference img/s (batch 32, 32x32) | {inf:.0f} |")
print(f"| one 768x512 forward (s) | {k:.3f} |")
