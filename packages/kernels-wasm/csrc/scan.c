/*
 * The non-approximate mixer's running softmax-weighted mean, forward and backward, from the
 * projections laid out [B, T, H·dh]: per head one score per token, s_t = (q_t·k_t)·scale, and
 * o_i = Σ_{j≤i} e^{s_j} v_j / Σ_{j≤i} e^{s_j}.
 *
 * Kept in log space so scores of any size are safe (trained models exceed 10³): the running
 * log-normaliser lz_i = log Σ_{j≤i} e^{s_j} never decreases, so every exponent below is ≤ 0:
 *   forward   o_i = e^{lz_{i−1}−lz_i} o_{i−1} + e^{s_i−lz_i} v_i
 *   backward  R_j = dO_j + e^{lz_j−lz_{j+1}} R_{j+1},  U_j = dO_j·O_j + e^{lz_j−lz_{j+1}} U_{j+1},
 *             a_j = e^{s_j−lz_j},  dv_j = a_j R_j,  ds_j = a_j (v_j·R_j − U_j).
 * One pass each way, O(T·dh) per head instead of the chunked C×C softmax of the plain path.
 */
#include "common.h"

DK_INLINE float dot(const float* a, const float* b, int n) {
  f4 acc = f4_splat(0);
  int c = 0;
  for (; c + 4 <= n; c += 4) acc = f4_madd(acc, f4_load(a + c), f4_load(b + c));
  float s = f4_hsum(acc);
  for (; c < n; c++) s += a[c] * b[c];
  return s;
}

/* log(e^a + e^b) for a ≥ b (b may be −inf). */
DK_INLINE float log_add(float a, float b) { return a + dk_logf(1.0f + dk_expf(b - a)); }

DK_EXPORT(dk_running_mean_fwd)
void dk_running_mean_fwd(int B, int T, int H, int dh, const float* q, const float* k, const float* v, float scale, float* out, float* lz, float* scratch, int tid, int nth) {
  (void)scratch;
  int d = H * dh;
  for (int task = tid; task < B * H; task += nth) {
    int b = task / H, h = task % H;
    long base = (long)b * T * d + h * dh;
    float* lrow = lz + (long)task * T;
    float prev = 0.0f;
    for (int t = 0; t < T; t++) {
      long r = base + (long)t * d;
      float s = dot(q + r, k + r, dh) * scale;
      float cur = t == 0 ? s : (s > prev ? log_add(s, prev) : log_add(prev, s));
      float keep = t == 0 ? 0.0f : dk_expf(prev - cur), add = dk_expf(s - cur);
      f4 kp = f4_splat(keep), ad = f4_splat(add);
      const float* o1 = out + r - d;
      int c = 0;
      if (t == 0)
        for (; c + 4 <= dh; c += 4) f4_store(out + r + c, f4_mul(ad, f4_load(v + r + c)));
      else
        for (; c + 4 <= dh; c += 4) f4_store(out + r + c, f4_add(f4_mul(kp, f4_load(o1 + c)), f4_mul(ad, f4_load(v + r + c))));
      for (; c < dh; c++) out[r + c] = (t == 0 ? 0.0f : keep * o1[c]) + add * v[r + c];
      lrow[t] = cur;
      prev = cur;
    }
  }
}

/* scratch: dh floats per thread (the running R). */
DK_EXPORT(dk_running_mean_bwd)
void dk_running_mean_bwd(int B, int T, int H, int dh, const float* q, const float* k, const float* v, float scale, const float* out, const float* lz, const float* dout, float* dq, float* dk, float* dv, float* scratch, int tid, int nth) {
  int d = H * dh;
  float* R = scratch;
  for (int task = tid; task < B * H; task += nth) {
    int b = task / H, h = task % H;
    long base = (long)b * T * d + h * dh;
    const float* lrow = lz + (long)task * T;
    float U = 0.0f;
    for (int c = 0; c < dh; c++) R[c] = 0.0f;
    for (int t = T - 1; t >= 0; t--) {
      long r = base + (long)t * d;
      float decay = t == T - 1 ? 0.0f : dk_expf(lrow[t] - lrow[t + 1]);
      f4 dc = f4_splat(decay);
      int c = 0;
      for (; c + 4 <= dh; c += 4) f4_store(R + c, f4_add(f4_load(dout + r + c), f4_mul(dc, f4_load(R + c))));
      for (; c < dh; c++) R[c] = dout[r + c] + decay * R[c];
      U = dot(dout + r, out + r, dh) + decay * U;
      float s = dot(q + r, k + r, dh) * scale;
      float a = dk_expf(s - lrow[t]);
      float ds = a * (dot(v + r, R, dh) - U) * scale;
      f4 a4 = f4_splat(a), d4 = f4_splat(ds);
      for (c = 0; c + 4 <= dh; c += 4) {
        f4_store(dv + r + c, f4_mul(a4, f4_load(R + c)));
        f4_store(dq + r + c, f4_mul(d4, f4_load(k + r + c)));
        f4_store(dk + r + c, f4_mul(d4, f4_load(q + r + c)));
      }
      for (; c < dh; c++) {
        dv[r + c] = a * R[c];
        dq[r + c] = ds * k[r + c];
        dk[r + c] = ds * q[r + c];
      }
    }
  }
}
