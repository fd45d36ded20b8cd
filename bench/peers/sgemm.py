#!/usr/bin/python3
"""OpenBLAS sgemm GFLOP/s on the shapes of spikegrad's dense backward products, through Debian's torch:
C[B x H] = A[B x H] B[H x H] per time step (the recurrent product of a whole batch at one step).
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/peers/sgemm.py '[[256,256,256]]' 2
"""
import json
import statistics
import sys
import time

import torch

shapes = json.loads(sys.argv[1])
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
torch.set_num_threads(threads)
out = []
for m, n, k in shapes:
    a = torch.randn(m, k)
    b = torch.randn(k, n)
    c = torch.empty(m, n)
    for _ in range(5):
        torch.mm(a, b, out=c)
    reps = max(10, int(2e9 / (2 * m * n * k)))
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(reps):
            torch.mm(a, b, out=c)
        runs.append((time.perf_counter() - t) / reps)
    out.append({"shape": [m, n, k], "threads": threads, "gflops": 2 * m * n * k / statistics.median(runs) / 1e9})
print(json.dumps(out))
