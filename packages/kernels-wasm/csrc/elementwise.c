/*
 * Row-wise and elementwise fusions: RMSNorm, the SwiGLU activation, mean cross-entropy from
 * logits, and the AdamW update (with the gradients' squared norm for clipping). Each replaces a
 * chain of 5–15 tfjs kernels (and as many tensors) by one pass over memory. Rows are split over
 * threads where outputs are per row; reductions across rows stay on one thread.
 */
#include "common.h"

DK_INLINE f4 f4_sigmoid(f4 x) { return wasm_f32x4_div(f4_splat(1.0f), f4_add(f4_splat(1.0f), f4_exp(wasm_f32x4_neg(x)))); }
DK_INLINE float sigmoidf(float x) { return 1.0f / (1.0f + dk_expf(-x)); }

/* y = x · rstd · w per row, rstd = 1/√(mean(x²) + eps) (kept for the backward pass). */
DK_EXPORT(dk_rmsnorm_fwd)
void dk_rmsnorm_fwd(int N, int d, const float* x, const float* w, float eps, float* y, float* rstd, float* scratch, int tid, int nth) {
  (void)scratch;
  int r0 = (int)((long)N * tid / nth), r1 = (int)((long)N * (tid + 1) / nth);
  for (int i = r0; i < r1; i++) {
    const float* xr = x + (long)i * d;
    float* yr = y + (long)i * d;
    f4 acc = f4_splat(0);
    int c = 0;
    for (; c + 4 <= d; c += 4) { f4 v = f4_load(xr + c); acc = f4_madd(acc, v, v); }
    float ss = f4_hsum(acc);
    for (; c < d; c++) ss += xr[c] * xr[c];
    float r = 1.0f / __builtin_sqrtf(ss / (float)d + eps);
    rstd[i] = r;
    f4 r4 = f4_splat(r);
    for (c = 0; c + 4 <= d; c += 4) f4_store(yr + c, f4_mul(f4_mul(f4_load(xr + c), r4), f4_load(w + c)));
    for (; c < d; c++) yr[c] = xr[c] * r * w[c];
  }
}

/*
 * With x̂ = x·rstd: dx = rstd·(dy⊙w − x̂·mean(dy⊙w⊙x̂)) per row, dw = Σ_rows dy⊙x̂.
 * dx rows are split over threads; thread 0 also forms dw (a reduction over rows).
 */
DK_EXPORT(dk_rmsnorm_bwd)
void dk_rmsnorm_bwd(int N, int d, const float* x, const float* w, const float* rstd, const float* dy, float* dx, float* dw, float* scratch, int tid, int nth) {
  (void)scratch;
  int r0 = (int)((long)N * tid / nth), r1 = (int)((long)N * (tid + 1) / nth);
  for (int i = r0; i < r1; i++) {
    const float* xr = x + (long)i * d;
    const float* gr = dy + (long)i * d;
    float* dr = dx + (long)i * d;
    float r = rstd[i];
    f4 r4 = f4_splat(r), acc = f4_splat(0);
    int c = 0;
    for (; c + 4 <= d; c += 4) acc = f4_madd(acc, f4_mul(f4_load(gr + c), f4_load(w + c)), f4_mul(f4_load(xr + c), r4));
    float dot = f4_hsum(acc);
    for (; c < d; c++) dot += gr[c] * w[c] * xr[c] * r;
    float mean = dot / (float)d;
    f4 m4 = f4_splat(mean);
    for (c = 0; c + 4 <= d; c += 4) {
      f4 xh = f4_mul(f4_load(xr + c), r4);
      f4_store(dr + c, f4_mul(r4, f4_sub(f4_mul(f4_load(gr + c), f4_load(w + c)), f4_mul(xh, m4))));
    }
    for (; c < d; c++) dr[c] = r * (gr[c] * w[c] - xr[c] * r * mean);
  }
  if (tid != 0) return;
  for (int c = 0; c < d; c++) dw[c] = 0.0f;
  for (int i = 0; i < N; i++) {
    const float* xr = x + (long)i * d;
    const float* gr = dy + (long)i * d;
    f4 r4 = f4_splat(rstd[i]);
    int c = 0;
    for (; c + 4 <= d; c += 4) f4_store(dw + c, f4_madd(f4_load(dw + c), f4_load(gr + c), f4_mul(f4_load(xr + c), r4)));
    for (; c < d; c++) dw[c] += gr[c] * xr[c] * rstd[i];
  }
}

/* h = SiLU(g) ⊙ u = g·σ(g)·u, elementwise over n values (split over threads). */
DK_EXPORT(dk_swiglu_fwd)
void dk_swiglu_fwd(int n, const float* g, const float* u, float* h, float* scratch, int tid, int nth) {
  (void)scratch;
  int i0 = (int)((long)(n / 4) * tid / nth) * 4, i1 = tid == nth - 1 ? n : (int)((long)(n / 4) * (tid + 1) / nth) * 4;
  int i = i0;
  for (; i + 4 <= i1; i += 4) {
    f4 gv = f4_load(g + i);
    f4_store(h + i, f4_mul(f4_mul(gv, f4_sigmoid(gv)), f4_load(u + i)));
  }
  for (; i < i1; i++) h[i] = g[i] * sigmoidf(g[i]) * u[i];
}

/* du = dh·g·σ(g), dg = dh·u·σ(g)·(1 + g·(1 − σ(g))). */
DK_EXPORT(dk_swiglu_bwd)
void dk_swiglu_bwd(int n, const float* g, const float* u, const float* dh, float* dg, float* du, float* scratch, int tid, int nth) {
  (void)scratch;
  int i0 = (int)((long)(n / 4) * tid / nth) * 4, i1 = tid == nth - 1 ? n : (int)((long)(n / 4) * (tid + 1) / nth) * 4;
  int i = i0;
  const f4 one = f4_splat(1.0f);
  for (; i + 4 <= i1; i += 4) {
    f4 gv = f4_load(g + i), s = f4_sigmoid(gv), d = f4_load(dh + i);
    f4_store(du + i, f4_mul(d, f4_mul(gv, s)));
    f4_store(dg + i, f4_mul(f4_mul(d, f4_load(u + i)), f4_mul(s, f4_add(one, f4_mul(gv, f4_sub(one, s))))));
  }
  for (; i < i1; i++) {
    float s = sigmoidf(g[i]);
    du[i] = dh[i] * g[i] * s;
    dg[i] = dh[i] * u[i] * s * (1.0f + g[i] * (1.0f - s));
  }
}

/* Per row of logits [N×V]: lse_i = log Σ exp, loss_i = lse_i − logits[i, t_i]. Returns nothing; rows split. */
DK_EXPORT(dk_xent_fwd)
void dk_xent_fwd(int N, int V, const float* logits, const int* targets, float* lse, float* loss, float* scratch, int tid, int nth) {
  (void)scratch;
  int r0 = (int)((long)N * tid / nth), r1 = (int)((long)N * (tid + 1) / nth);
  for (int i = r0; i < r1; i++) {
    const float* row = logits + (long)i * V;
    float mx = row[0];
    for (int j = 1; j < V; j++) mx = row[j] > mx ? row[j] : mx;
    f4 m4 = f4_splat(mx), acc = f4_splat(0);
    int j = 0;
    for (; j + 4 <= V; j += 4) acc = f4_add(acc, f4_exp(f4_sub(f4_load(row + j), m4)));
    float s = f4_hsum(acc);
    for (; j < V; j++) s += dk_expf(row[j] - mx);
    float l = mx + dk_logf(s);
    lse[i] = l;
    loss[i] = l - row[targets[i]];
  }
}

/* dlogits = (softmax − onehot(t))·scale, scale = dy/N. Rows split over threads. */
DK_EXPORT(dk_xent_bwd)
void dk_xent_bwd(int N, int V, const float* logits, const int* targets, const float* lse, float scale, float* dlogits, float* scratch, int tid, int nth) {
  (void)scratch;
  int r0 = (int)((long)N * tid / nth), r1 = (int)((long)N * (tid + 1) / nth);
  f4 s4 = f4_splat(scale);
  for (int i = r0; i < r1; i++) {
    const float* row = logits + (long)i * V;
    float* out = dlogits + (long)i * V;
    f4 l4 = f4_splat(lse[i]);
    int j = 0;
    for (; j + 4 <= V; j += 4) f4_store(out + j, f4_mul(f4_exp(f4_sub(f4_load(row + j), l4)), s4));
    for (; j < V; j++) out[j] = dk_expf(row[j] - lse[i]) * scale;
    out[targets[i]] -= scale;
  }
}

/*
 * AdamW for one tensor of n values, as the plain path computes it: m' = β₁m + (1−β₁)g,
 * v' = β₂v + (1−β₂)g², w' = w·decay − lr·(m'/bc₁)/(√(v'/bc₂) + ε), with decay = 1 − lr·λ for
 * decayed weights (1 otherwise) and the constants computed by the caller in float64.
 */
DK_EXPORT(dk_adamw)
void dk_adamw(int n, const float* w, const float* g, const float* m, const float* v, float* w1, float* m1, float* v1, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float bc1, float bc2, float eps, float lr, float decay, float* scratch, int tid, int nth) {
  (void)scratch;
  int i0 = (int)((long)(n / 4) * tid / nth) * 4, i1 = tid == nth - 1 ? n : (int)((long)(n / 4) * (tid + 1) / nth) * 4;
  int i = i0;
  f4 b1 = f4_splat(beta1), c1 = f4_splat(oneMinusBeta1), b2 = f4_splat(beta2), c2 = f4_splat(oneMinusBeta2);
  f4 k1 = f4_splat(bc1), k2 = f4_splat(bc2), e = f4_splat(eps), l = f4_splat(lr), dcy = f4_splat(decay);
  for (; i + 4 <= i1; i += 4) {
    f4 gv = f4_load(g + i);
    f4 mv = f4_add(f4_mul(f4_load(m + i), b1), f4_mul(gv, c1));
    f4 vv = f4_add(f4_mul(f4_load(v + i), b2), f4_mul(f4_mul(gv, gv), c2));
    f4 upd = wasm_f32x4_div(wasm_f32x4_div(mv, k1), f4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vv, k2)), e));
    f4_store(m1 + i, mv);
    f4_store(v1 + i, vv);
    f4_store(w1 + i, f4_sub(f4_mul(f4_load(w + i), dcy), f4_mul(upd, l)));
  }
  for (; i < i1; i++) {
    float mv = m[i] * beta1 + g[i] * oneMinusBeta1;
    float vv = v[i] * beta2 + g[i] * g[i] * oneMinusBeta2;
    float upd = (mv / bc1) / (__builtin_sqrtf(vv / bc2) + eps);
    m1[i] = mv;
    v1[i] = vv;
    w1[i] = w[i] * decay - upd * lr;
  }
}

/* Σ x² over n values (a gradient's contribution to the global norm), accumulated in float64. */
DK_EXPORT(dk_sum_squares)
double dk_sum_squares(int n, const float* x) {
  f4 acc = f4_splat(0);
  double total = 0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    f4 v = f4_load(x + i);
    acc = f4_madd(acc, v, v);
    if ((i & 4095) == 4092) { total += f4_hsum(acc); acc = f4_splat(0); }
  }
  total += f4_hsum(acc);
  for (; i < n; i++) total += (double)x[i] * x[i];
  return total;
}

/* out[i] = table[ids[i]] for N rows of width d (an embedding lookup; ids outside [0, V) give 0s). */
DK_EXPORT(dk_gather_rows)
void dk_gather_rows(int N, int d, int V, const float* table, const int* ids, float* out, float* scratch, int tid, int nth) {
  (void)scratch;
  int r0 = (int)((long)N * tid / nth), r1 = (int)((long)N * (tid + 1) / nth);
  for (int i = r0; i < r1; i++) {
    int id = ids[i];
    float* o = out + (long)i * d;
    if (id < 0 || id >= V) {
      for (int c = 0; c < d; c++) o[c] = 0.0f;
      continue;
    }
    const float* src = table + (long)id * d;
    int c = 0;
    for (; c + 4 <= d; c += 4) f4_store(o + c, f4_load(src + c));
    for (; c < d; c++) o[c] = src[c];
  }
}

/* out[V×d] = Σ_i onehot(ids[i]) ⊗ values[i]: the lookup's gradient (repeated ids add up). One thread. */
DK_EXPORT(dk_scatter_add_rows)
void dk_scatter_add_rows(int N, int d, int V, const float* values, const int* ids, float* out) {
  for (long j = 0; j < (long)V * d; j++) out[j] = 0.0f;
  for (int i = 0; i < N; i++) {
    int id = ids[i];
    if (id < 0 || id >= V) continue;
    float* o = out + (long)id * d;
    const float* src = values + (long)i * d;
    int c = 0;
    for (; c + 4 <= d; c += 4) f4_store(o + c, f4_add(f4_load(o + c), f4_load(src + c)));
    for (; c < d; c++) o[c] += src[c];
  }
}

/* out[d] = Σ_i x[i][·] over N rows (a bias's gradient). One thread. */
DK_EXPORT(dk_sum_rows)
void dk_sum_rows(int N, int d, const float* x, float* out) {
  for (int c = 0; c < d; c++) out[c] = 0.0f;
  for (int i = 0; i < N; i++) {
    const float* r = x + (long)i * d;
    int c = 0;
    for (; c + 4 <= d; c += 4) f4_store(out + c, f4_add(f4_load(out + c), f4_load(r + c)));
    for (; c < d; c++) out[c] += r[c];
  }
}
