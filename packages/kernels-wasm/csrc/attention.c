/*
 * Fused causal softmax attention, forward and backward, for q, k, v laid out as the projections
 * produce them: [B, T, H·dh] (head h of token t at columns h·dh … h·dh+dh−1). RoPE (rotate-half,
 * tables from the caller) and the 1/√dh scale are applied on the fly, the masked upper triangle
 * is never computed, and the output is written back in the same layout, ready for W_O: the
 * split-heads / merge-heads transposes, the RoPE slices and concats, the mask add and the
 * softmax of the plain path all disappear. Work is split over threads by (batch, head).
 *
 * Forward keeps each row's log-sum-exp; backward recomputes the probabilities from it (as flash
 * attention does) and forms dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(dO ⊙ O)),
 * dQ = dS·K, dK = dSᵀ·Q, then undoes RoPE on dQ and dK. Needs dh a multiple of 8.
 *
 * q and k may have batch 1 while v has batch B (`QB` = 1): one map per head shared by the whole
 * batch (the fixed-stream mixers: maps from a fixed stream, values from each input). The map is
 * then computed once and dP, rowsum(dO ⊙ O) sum over the batch. Threads claim (batch, head)
 * tasks from a shared counter.
 */
#include "ukernel.h"

DK_INLINE int round8(int n) { return (n + 7) & ~7; }

/* dst = rope(x)·scale over one head row (cs == 0: no rotation). rot(x) = [−x₂, x₁]. */
static void rope_row(const float* x, const float* cs, const float* sn, int dh, float scale, float* dst) {
  int half = dh / 2;
  if (!cs) {
    for (int c = 0; c < dh; c += 4) f4_store(dst + c, f4_mul(f4_load(x + c), f4_splat(scale)));
    return;
  }
  if (half % 4 == 0) {
    f4 s = f4_splat(scale);
    for (int c = 0; c < half; c += 4) {
      f4 x1 = f4_load(x + c), x2 = f4_load(x + c + half);
      f4_store(dst + c, f4_mul(f4_sub(f4_mul(x1, f4_load(cs + c)), f4_mul(x2, f4_load(sn + c))), s));
      f4_store(dst + c + half, f4_mul(f4_add(f4_mul(x2, f4_load(cs + c + half)), f4_mul(x1, f4_load(sn + c + half))), s));
    }
    return;
  }
  for (int c = 0; c < half; c++) {
    dst[c] = (x[c] * cs[c] - x[c + half] * sn[c]) * scale;
    dst[c + half] = (x[c + half] * cs[c + half] + x[c] * sn[c + half]) * scale;
  }
}

/* The gradient through rope_row: dx = (g·cos + rotᵀ(g·sin))·scale, rotᵀ(z) = [z₂, −z₁]. */
static void rope_row_grad(const float* g, const float* cs, const float* sn, int dh, float scale, float* dx) {
  int half = dh / 2;
  if (!cs) {
    for (int c = 0; c < dh; c += 4) f4_store(dx + c, f4_mul(f4_load(g + c), f4_splat(scale)));
    return;
  }
  if (half % 4 == 0) {
    f4 s = f4_splat(scale);
    for (int c = 0; c < half; c += 4) {
      f4 g1 = f4_load(g + c), g2 = f4_load(g + c + half);
      f4_store(dx + c, f4_mul(f4_add(f4_mul(g1, f4_load(cs + c)), f4_mul(g2, f4_load(sn + c + half))), s));
      f4_store(dx + c + half, f4_mul(f4_sub(f4_mul(g2, f4_load(cs + c + half)), f4_mul(g1, f4_load(sn + c))), s));
    }
    return;
  }
  for (int c = 0; c < half; c++) {
    dx[c] = (g[c] * cs[c] + g[c + half] * sn[c + half]) * scale;
    dx[c + half] = (g[c + half] * cs[c + half] - g[c] * sn[c]) * scale;
  }
}

/* Rows of one head, rotated and scaled, into dst[T8][dh] (rows ≥ T zeroed). */
static void load_head(const float* src, int T, int d, const float* cs, const float* sn, int dh, float scale, float* dst) {
  for (int t = 0; t < T; t++) rope_row(src + (long)t * d, cs ? cs + (long)t * dh : 0, cs ? sn + (long)t * dh : 0, dh, scale, dst + (long)t * dh);
  for (int t = T; t < round8(T); t++)
    for (int c = 0; c < dh; c++) dst[(long)t * dh + c] = 0.0f;
}

/*
 * Packs rows (keys) of x[T8][dh] (row stride ld) into 8-row panels dst[p][c][8]: the B operand of
 * x·ᵀ. Full panels go through 4×4 SIMD transposes (dh is a multiple of 8); a last partial panel
 * is copied element by element with zero rows below T.
 */
static void pack_rows(const float* x, int ld, int T, int dh, float* dst) {
  int full = T / 8;
  for (int p = 0; p < full; p++, dst += (long)dh * 8) {
    for (int rg = 0; rg < 8; rg += 4) {
      const float* r0 = x + (long)(p * 8 + rg) * ld;
      for (int c = 0; c < dh; c += 4) {
        f4 a = f4_load(r0 + c), b = f4_load(r0 + ld + c), e = f4_load(r0 + 2 * ld + c), f = f4_load(r0 + 3 * ld + c);
        f4 ab0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab1 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
        f4 ef0 = wasm_i32x4_shuffle(e, f, 0, 4, 1, 5), ef1 = wasm_i32x4_shuffle(e, f, 2, 6, 3, 7);
        f4_store(dst + (long)c * 8 + rg, wasm_i32x4_shuffle(ab0, ef0, 0, 1, 4, 5));
        f4_store(dst + (long)(c + 1) * 8 + rg, wasm_i32x4_shuffle(ab0, ef0, 2, 3, 6, 7));
        f4_store(dst + (long)(c + 2) * 8 + rg, wasm_i32x4_shuffle(ab1, ef1, 0, 1, 4, 5));
        f4_store(dst + (long)(c + 3) * 8 + rg, wasm_i32x4_shuffle(ab1, ef1, 2, 3, 6, 7));
      }
    }
  }
  if (full * 8 < T)
    for (int c = 0; c < dh; c++, dst += 8)
      for (int r = 0; r < 8; r++) dst[r] = full * 8 + r < T ? x[(long)(full * 8 + r) * ld + c] : 0.0f;
}

/* S[i][j] = a_i · b_j for the causal tiles (j < ⌈(i0+4)/8⌉·8) of every 4-row block; bp packed by pack_rows. */
static void causal_scores(const float* a, int ars, const float* bp, int T, int dh, float* s, int ld, int acc) {
  for (int i0 = 0; i0 < T; i0 += MR) {
    int m = T - i0 < MR ? T - i0 : MR;
    int panels = (i0 + m - 1) / 8 + 1;
    for (int p = 0; p < panels; p++) ukernel(dh, a + (long)i0 * ars, ars, 1, bp + (long)p * dh * 8, 8, s + (long)i0 * ld + p * 8, ld, m, 8, acc);
  }
}

DK_EXPORT(dk_attention_scratch)
int dk_attention_scratch(int T, int dh) { return 5 * round8(T) * dh + 2 * T * round8(T) + round8(T) + 64; }

DK_EXPORT(dk_attention_fwd)
void dk_attention_fwd(int B, int QB, int T, int H, int dh, const float* q, const float* k, const float* v, const float* cs, const float* sn, float scale, float* out, float* lse, int* counter, float* scratch, int tid, int nth) {
  (void)tid;
  (void)nth;
  int d = H * dh, T8 = round8(T), nb = B / QB;
  float* qs = scratch;
  float* ks = qs + T8 * dh;
  float* kp = ks + T8 * dh;
  float* s = kp + T8 * dh;
  for (int task = claim(counter); task < QB * H; task = claim(counter)) {
    int bq = task / H, h = task % H;
    long qbase = (long)bq * T * d + h * dh;
    load_head(q + qbase, T, d, cs, sn, dh, scale, qs);
    load_head(k + qbase, T, d, cs, sn, dh, 1.0f, ks);
    pack_rows(ks, dh, T, dh, kp);
    causal_scores(qs, dh, kp, T, dh, s, T8, 0);
    for (int i = 0; i < T; i++) {
      float* row = s + (long)i * T8;
      float mx = row[0];
      int j = 0;
      if (i >= 3) {
        f4 mv = f4_load(row);
        for (j = 4; j + 4 <= i + 1; j += 4) mv = wasm_f32x4_pmax(mv, f4_load(row + j));
        mx = f4_hmax(mv);
      }
      for (; j <= i; j++) mx = row[j] > mx ? row[j] : mx;
      f4 sum4 = f4_splat(0), m4 = f4_splat(mx);
      j = 0;
      for (; j + 4 <= i + 1; j += 4) {
        f4 e = f4_exp(f4_sub(f4_load(row + j), m4));
        f4_store(row + j, e);
        sum4 = f4_add(sum4, e);
      }
      float sum = f4_hsum(sum4);
      for (; j <= i; j++) {
        float e = dk_expf(row[j] - mx);
        row[j] = e;
        sum += e;
      }
      float inv = 1.0f / sum;
      f4 inv4 = f4_splat(inv);
      for (j = 0; j + 4 <= i + 1; j += 4) f4_store(row + j, f4_mul(f4_load(row + j), inv4));
      for (; j <= i; j++) row[j] *= inv;
      for (j = i + 1; j < T8; j++) row[j] = 0.0f;
      lse[(long)task * T + i] = mx + dk_logf(sum);
    }
    for (int b = bq * nb; b < (bq + 1) * nb; b++) {
      long base = (long)b * T * d + h * dh;
      for (int i0 = 0; i0 < T; i0 += MR) {
        int m = T - i0 < MR ? T - i0 : MR;
        int kk = i0 + m;
        for (int c = 0; c < dh; c += 8) ukernel(kk, s + (long)i0 * T8, T8, 1, v + base + c, d, out + base + (long)i0 * d + c, d, m, 8, 0);
      }
    }
  }
}

DK_EXPORT(dk_attention_bwd)
void dk_attention_bwd(int B, int QB, int T, int H, int dh, const float* q, const float* k, const float* v, const float* cs, const float* sn, float scale, const float* out, const float* lse, const float* dout, float* dq, float* dk, float* dv, int* counter, float* scratch, int tid, int nth) {
  (void)tid;
  (void)nth;
  int d = H * dh, T8 = round8(T), nb = B / QB;
  float* qs = scratch;
  float* ks = qs + T8 * dh;
  float* kp = ks + T8 * dh;
  float* vp = kp + T8 * dh;
  float* g = vp + T8 * dh;
  float* p = g + T8 * dh;
  float* dp = p + T * T8;
  float* dd = dp + T * T8;
  for (int task = claim(counter); task < QB * H; task = claim(counter)) {
    int bq = task / H, h = task % H;
    long qbase = (long)bq * T * d + h * dh;
    const float* lrow = lse + (long)task * T;
    load_head(q + qbase, T, d, cs, sn, dh, scale, qs);
    load_head(k + qbase, T, d, cs, sn, dh, 1.0f, ks);
    pack_rows(ks, dh, T, dh, kp);
    /* P from the saved log-sum-exp; zero above the diagonal. */
    causal_scores(qs, dh, kp, T, dh, p, T8, 0);
    for (int i = 0; i < T; i++) {
      float* row = p + (long)i * T8;
      f4 l4 = f4_splat(lrow[i]);
      int j = 0;
      for (; j + 4 <= i + 1; j += 4) f4_store(row + j, f4_exp(f4_sub(f4_load(row + j), l4)));
      for (; j <= i; j++) row[j] = dk_expf(row[j] - lrow[i]);
      for (; j < T8; j++) row[j] = 0.0f;
    }
    for (int i = 0; i < T; i++) dd[i] = 0.0f;
    for (int b = bq * nb; b < (bq + 1) * nb; b++) {
      long base = (long)b * T * d + h * dh;
      /* dV = Pᵀ·dO (Pᵀ read in place: rows j at stride 1, queries i at stride T8): row j only meets queries i ≥ j. */
      for (int j0 = 0; j0 < T; j0 += MR) {
        int m = T - j0 < MR ? T - j0 : MR;
        for (int c = 0; c < dh; c += 8) ukernel(T - j0, p + (long)j0 * T8 + j0, 1, T8, dout + base + (long)j0 * d + c, d, dv + base + (long)j0 * d + c, d, m, 8, 0);
      }
      /* dP (+)= dO·Vᵀ on the causal tiles; D_i += dO_i · O_i. */
      pack_rows(v + base, d, T, dh, vp);
      causal_scores(dout + base, d, vp, T, dh, dp, T8, b > bq * nb);
      for (int i = 0; i < T; i++) {
        const float* o = out + base + (long)i * d;
        const float* go = dout + base + (long)i * d;
        f4 acc = f4_splat(0);
        for (int c = 0; c < dh; c += 4) acc = f4_madd(acc, f4_load(o + c), f4_load(go + c));
        dd[i] += f4_hsum(acc);
      }
    }
    /* dS = P ⊙ (dP − D). */
    for (int i = 0; i < T; i++) {
      float* drow = dp + (long)i * T8;
      const float* prow = p + (long)i * T8;
      f4 d4 = f4_splat(dd[i]);
      int j = 0;
      for (; j + 4 <= i + 1; j += 4) f4_store(drow + j, f4_mul(f4_load(prow + j), f4_sub(f4_load(drow + j), d4)));
      for (; j <= i; j++) drow[j] = prow[j] * (drow[j] - dd[i]);
      for (; j < T8; j++) drow[j] = 0.0f;
    }
    /* dQ = dS·K (keys j ≤ i), back through RoPE and the scale. */
    for (int i0 = 0; i0 < T; i0 += MR) {
      int m = T - i0 < MR ? T - i0 : MR;
      for (int c = 0; c < dh; c += 8) ukernel(i0 + m, dp + (long)i0 * T8, T8, 1, ks + c, dh, g + (long)i0 * dh + c, dh, m, 8, 0);
    }
    for (int i = 0; i < T; i++) rope_row_grad(g + (long)i * dh, cs ? cs + (long)i * dh : 0, cs ? sn + (long)i * dh : 0, dh, scale, dq + qbase + (long)i * d);
    /* dK = dSᵀ·Q (dSᵀ read in place; queries i ≥ j; Q already scaled), back through RoPE. */
    for (int j0 = 0; j0 < T; j0 += MR) {
      int m = T - j0 < MR ? T - j0 : MR;
      for (int c = 0; c < dh; c += 8) ukernel(T - j0, dp + (long)j0 * T8 + j0, 1, T8, qs + (long)j0 * dh + c, dh, g + (long)j0 * dh + c, dh, m, 8, 0);
    }
    for (int j = 0; j < T; j++) rope_row_grad(g + (long)j * dh, cs ? cs + (long)j * dh : 0, cs ? sn + (long)j * dh : 0, dh, 1.0f, dk + qbase + (long)j * d);
  }
}

/* RoPE on rows of a [rows, dh] tensor (B×H×T×dh flattened): row r sits at position r mod T. */
DK_EXPORT(dk_rope)
void dk_rope(int rows, int T, int dh, const float* x, const float* cs, const float* sn, int inverse, float* y, float* scratch, int tid, int nth) {
  (void)scratch;
  int r0 = (int)((long)rows * tid / nth), r1 = (int)((long)rows * (tid + 1) / nth);
  for (int r = r0; r < r1; r++) {
    long t = r % T;
    if (inverse) rope_row_grad(x + (long)r * dh, cs + t * dh, sn + t * dh, dh, 1.0f, y + (long)r * dh);
    else rope_row(x + (long)r * dh, cs + t * dh, sn + t * dh, dh, 1.0f, y + (long)r * dh);
  }
}
