#!/usr/bin/env python3
"""PyTorch's training speed for a deconattn model, the yardstick of `deconattn bench`.

Builds the model described by a deconattn checkpoint's config.json (Hugging Face Qwen2 field
names plus the `deconattn` section: the resolved mixer of every layer and its options) in plain
PyTorch, trains it the way deconattn's Trainer does (forward, mean cross-entropy, backward,
global-norm clipping, AdamW with decay on matrices and embeddings only) on random token batches,
and prints one JSON object with the median training tokens/s.

CPU thread counts change PyTorch's speed a lot on small machines, so every split of
OPENBLAS_NUM_THREADS (BLAS threads, read when the library loads: each split runs in its own
process) and torch.set_num_threads is tried and the best kept.

    python3 bench_torch.py --config config.json --batch 4 --seq 128 --steps 10

Only the standard library and torch are needed (Debian: python3-torch libopenblas0-pthread).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

SUPPORTED = ("standard", "mlp", "static-emb-qk", "non-approximate", "rnd-emb-qk", "fixed-seq-qk")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", help="a deconattn checkpoint config.json (required unless --count-params)")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--steps", type=int, default=10, help="timed steps per thread split")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--splits", default="1x1,2x1,1x2,2x2", help="BLASxTORCH thread splits to try, best kept")
    p.add_argument("--count-params", nargs="+", metavar="CONFIG", help="only build the model of each config.json and print the parameter counts")
    p.add_argument("--single", default=None, help=argparse.SUPPRESS)  # internal: run one split here
    args = p.parse_args(argv)
    if not args.config and not args.count_params:
        p.error("--config is required (a deconattn checkpoint config.json)")
    return args


def build_model(torch, cfg):
    nn = torch.nn
    F = torch.nn.functional
    d = cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    dh = d // heads
    eps = cfg["rms_norm_eps"]
    theta = cfg["rope_theta"]
    lmax = cfg["max_position_embeddings"]
    dc = cfg["deconattn"]
    layers = dc["layers"]
    options = {m["layer"]: (m.get("options") or {}) for m in dc.get("mixers", [])}
    for mixer in set(layers):
        if mixer not in SUPPORTED:
            raise SystemExit(f"bench_torch: mixer '{mixer}' has no PyTorch version here (supported: {', '.join(SUPPORTED)})")

    class RMSNorm(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(d))

        def forward(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * self.weight

    def rope_tables(n):
        inv = 1.0 / (theta ** (torch.arange(0, dh, 2, dtype=torch.float64) / dh))
        ang = torch.arange(n, dtype=torch.float64)[:, None] * inv[None, :]
        ang = torch.cat([ang, ang], -1)
        return ang.cos().float(), ang.sin().float()

    cos_t, sin_t = rope_tables(lmax)

    def rope(x):  # B×h×T×dh, rotate-half
        t = x.shape[2]
        x1, x2 = x[..., : dh // 2], x[..., dh // 2:]
        return x * cos_t[:t] + torch.cat([-x2, x1], -1) * sin_t[:t]

    def heads_of(x):
        b, t, _ = x.shape
        return x.view(b, t, heads, dh).transpose(1, 2)

    def merge(x):
        b, h, t, _ = x.shape
        return x.transpose(1, 2).reshape(b, t, h * dh)

    def causal_softmax(logits):
        t, s = logits.shape[-2], logits.shape[-1]
        mask = torch.ones(t, s, dtype=torch.bool).tril(s - t)
        return torch.softmax(logits.masked_fill(~mask, float("-inf")), -1)

    class Attention(nn.Module):
        """Standard attention and the relaxations that keep its projections."""

        def __init__(self, kind):
            super().__init__()
            self.kind = kind
            self.q_proj = nn.Linear(d, d)
            self.k_proj = nn.Linear(d, d)
            self.v_proj = nn.Linear(d, d)
            self.o_proj = nn.Linear(d, d, bias=False)

        def qk_map(self, src):
            q, k = rope(heads_of(self.q_proj(src))), rope(heads_of(self.k_proj(src)))
            return causal_softmax(q @ k.transpose(-1, -2) / math.sqrt(dh))

        def forward(self, hn, ctx):
            v = heads_of(self.v_proj(hn))
            if self.kind in ("standard", "stream-self"):
                a = self.qk_map(hn)
            elif self.kind == "static-emb-qk":
                a = self.qk_map(ctx["norm"](ctx["emb"]))
            elif self.kind in ("rnd-emb-qk", "fixed-seq-qk"):
                t = hn.shape[1]
                a = ctx["map"][:, :, :t, :t]
            elif self.kind == "non-approximate":
                q = heads_of(F.silu(self.q_proj(hn)))
                k = heads_of(self.k_proj(hn))
                s = (q * k).sum(-1) / math.sqrt(dh)  # B×h×T: one score per token
                t = s.shape[-1]
                a = causal_softmax(s[:, :, None, :].expand(-1, -1, t, -1))
            return self.o_proj(merge(a @ v))

    class GatedMlp(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.gate_proj = nn.Linear(d, inner, bias=False)
            self.up_proj = nn.Linear(d, inner, bias=False)
            self.down_proj = nn.Linear(inner, d, bias=False)

        def forward(self, x, ctx=None):
            return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))

    class Block(nn.Module):
        def __init__(self, i, kind):
            super().__init__()
            self.kind = kind
            self.input_layernorm = RMSNorm()
            if kind == "mlp":
                inner = options.get(i, {}).get("innerSize") or round((4 * d * d + 3 * d) / (3 * d))
                self.self_attn = GatedMlp(inner)
            else:
                self.self_attn = Attention(kind)
            self.post_attention_layernorm = RMSNorm()
            self.mlp = GatedMlp(cfg["intermediate_size"])

        def forward(self, h, ctx):
            ctx = dict(ctx, norm=self.input_layernorm)
            h = h + self.self_attn(self.input_layernorm(h), ctx)
            return h + self.mlp(self.post_attention_layernorm(h))

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed_tokens = nn.Embedding(cfg["vocab_size"], d)
            self.layers = nn.ModuleList([Block(i, kind) for i, kind in enumerate(layers)])
            self.norm = RMSNorm()
            if not cfg["tie_word_embeddings"]:
                self.lm_head = nn.Linear(d, cfg["vocab_size"], bias=False)
            self.stream_kind = next((k for k in layers if k in ("rnd-emb-qk", "fixed-seq-qk")), None)
            if self.stream_kind == "rnd-emb-qk":
                self.register_buffer("stream0", torch.randn(1, lmax, d) * options[layers.index("rnd-emb-qk")].get("std", 0.02))
            elif self.stream_kind == "fixed-seq-qk":
                self.register_buffer("stream_ids", torch.tensor([dc["fixed_sequence_token_ids"]], dtype=torch.long))

        def stream_maps(self):
            """The fixed stream runs through every block; each stream layer's map comes from it."""
            x = x0 = self.stream0 if self.stream_kind == "rnd-emb-qk" else self.embed_tokens(self.stream_ids)
            maps = []
            for block in self.layers:
                xn = block.input_layernorm(x)
                if block.kind in ("rnd-emb-qk", "fixed-seq-qk"):
                    a = block.self_attn.qk_map(xn)
                    maps.append(a)
                    mixed = block.self_attn.o_proj(merge(a @ heads_of(block.self_attn.v_proj(xn))))
                else:  # the other layers of a hybrid act on the stream as on any sequence
                    maps.append(None)
                    mixed = block.self_attn(xn, {"norm": block.input_layernorm, "emb": x0})
                x = x + mixed
                x = x + block.mlp(block.post_attention_layernorm(x))
            return maps

        def forward(self, ids):
            emb = self.embed_tokens(ids)
            maps = self.stream_maps() if self.stream_kind else [None] * len(self.layers)
            h = emb
            for block, m in zip(self.layers, maps):
                h = block(h, {"emb": emb, "map": m})
            h = self.norm(h)
            head = self.embed_tokens.weight if cfg["tie_word_embeddings"] else self.lm_head.weight
            return h @ head.t()

    model = Model()
    for name, p in model.named_parameters():
        if p.dim() >= 2:
            torch.nn.init.normal_(p, std=0.02)
        elif name.endswith(".bias"):
            torch.nn.init.zeros_(p)
    return model


def run_split(args, blas, threads):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    with open(args.config) as f:
        cfg = json.load(f)
    model = build_model(torch, cfg)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    rest = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay}, {"params": rest, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    vocab = cfg["vocab_size"]
    gen = torch.Generator().manual_seed(0)

    def step():
        ids = torch.randint(0, vocab, (args.batch, args.seq + 1), generator=gen)
        logits = model(ids[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab), ids[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    ms = 1000 * times[len(times) // 2]
    params = sum(p.numel() for p in model.parameters())
    return {"blasThreads": blas, "torchThreads": threads, "msPerStep": ms, "tokensPerSec": args.batch * args.seq * 1000 / ms, "params": params}


def main(argv):
    args = parse_args(argv)
    if args.single:
        blas, threads = (int(x) for x in args.single.split("x"))
        print(json.dumps(run_split(args, blas, threads)))
        return
    import torch  # fail here, once, when torch is missing

    if args.count_params:
        counts = []
        for path in args.count_params:
            with open(path) as f:
                model = build_model(torch, json.load(f))
            counts.append(sum(p.numel() for p in model.parameters()))
        print(json.dumps({"params": counts}))
        return

    with open(args.config) as f:
        unsupported = sorted(set(json.load(f)["deconattn"]["layers"]) - set(SUPPORTED))
    if unsupported:
        raise SystemExit(f"bench_torch: mixer '{unsupported[0]}' has no PyTorch version here (supported: {', '.join(SUPPORTED)})")

    results = []
    for split in args.splits.split(","):
        blas, threads = split.split("x")
        env = dict(os.environ, OPENBLAS_NUM_THREADS=blas, OMP_NUM_THREADS=threads, MKL_NUM_THREADS=blas)
        cmd = [sys.executable, os.path.abspath(__file__), *argv, "--single", split]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise SystemExit(f"bench_torch: split {split} failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    best = max(results, key=lambda r: r["tokensPerSec"])
    print(json.dumps({"torchVersion": torch.__version__, "python": sys.executable, "params": best["params"], "best": best, "splits": results}))


if __name__ == "__main__":
    main(sys.argv[1:])
