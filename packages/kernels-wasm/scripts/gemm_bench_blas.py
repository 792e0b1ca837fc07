"""Native fp32 GEMM ceiling for scripts/gemm-bench.mjs: the same products through PyTorch's
OpenBLAS, best of `reps` per shape. Reads {"calls": [[count, m, n, k, ta, tb], ...], "reps": n}
on stdin, prints {"ms": [...], "threads": ..., "torch": ...} (per call, one product each).
Run with OPENBLAS_NUM_THREADS set by the caller; torch's own threads stay at 1."""
import json
import sys
import time

import torch

torch.set_num_threads(1)
job = json.load(sys.stdin)
ms = []
for _count, m, n, k, ta, tb in job["calls"]:
    a = torch.randn(k, m) if ta else torch.randn(m, k)
    b = torch.randn(n, k) if tb else torch.randn(k, n)
    A = a.t() if ta else a
    B = b.t() if tb else b
    for _ in range(3):
        torch.mm(A, B)
    best = float("inf")
    for _ in range(job["reps"]):
        t = time.perf_counter()
        torch.mm(A, B)
        best = min(best, time.perf_counter() - t)
    ms.append(best * 1e3)
print(json.dumps({"ms": ms, "torch": torch.__version__}))
