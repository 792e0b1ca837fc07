/*
 * The register-blocked 4×8 micro-kernel and the packing routines shared by the matrix product
 * and the fused attention kernels.
 *
 * Per step k the micro-kernel broadcasts 4 values of A and multiplies two 4-lane vectors of B
 * into 8 accumulators (V8 keeps them in xmm registers; a 6×8 tile spills and runs at half speed).
 */
#ifndef DK_UKERNEL_H
#define DK_UKERNEL_H
#include "common.h"

#define MR 4
#define NR 8
#define KC 512          /* k-block: a packed B panel (KC×8) and an A panel (4×KC) stay in L1 */

/* Store the first n (< 8) lanes of (lo, hi) at p, adding to what is there when acc. */
DK_INLINE void store_part(float* p, f4 lo, f4 hi, int n, int acc) {
  float v[8];
  /* v lives in registers: every index below is a constant after unrolling. */
  v[0] = wasm_f32x4_extract_lane(lo, 0); v[1] = wasm_f32x4_extract_lane(lo, 1);
  v[2] = wasm_f32x4_extract_lane(lo, 2); v[3] = wasm_f32x4_extract_lane(lo, 3);
  v[4] = wasm_f32x4_extract_lane(hi, 0); v[5] = wasm_f32x4_extract_lane(hi, 1);
  v[6] = wasm_f32x4_extract_lane(hi, 2); v[7] = wasm_f32x4_extract_lane(hi, 3);
#pragma clang loop unroll(full)
  for (int t = 0; t < 8; t++)
    if (t < n) p[t] = acc ? p[t] + v[t] : v[t];
}

DK_INLINE void store_row(float* c, f4 lo, f4 hi, int nr, int acc) {
  if (nr == NR) {
    if (acc) { lo = f4_add(lo, f4_load(c)); hi = f4_add(hi, f4_load(c + 4)); }
    f4_store(c, lo);
    f4_store(c + 4, hi);
  } else {
    store_part(c, lo, hi, nr, acc);
  }
}

/*
 * C[0..mr)[0..nr) (+)= Σ_k A(i,k)·B(k,j). A rows at a + i·ars, successive k at stride aks; B's 8
 * columns of step k at b + k·bks (contiguous). mr ≤ 4 (missing rows recompute row 0, discarded).
 */
static inline void ukernel(int K, const float* a, int ars, int aks, const float* b, int bks, float* c, int ldc, int mr, int nr, int acc) {
  const float* a0 = a;
  const float* a1 = mr > 1 ? a + ars : a;
  const float* a2 = mr > 2 ? a + 2 * ars : a;
  const float* a3 = mr > 3 ? a + 3 * ars : a;
  f4 c00 = f4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < K; k++) {
    f4 b0 = f4_load(b), b1 = f4_load(b + 4);
    b += bks;
    f4 x;
    x = wasm_v128_load32_splat(a0); c00 = f4_madd(c00, x, b0); c01 = f4_madd(c01, x, b1);
    x = wasm_v128_load32_splat(a1); c10 = f4_madd(c10, x, b0); c11 = f4_madd(c11, x, b1);
    x = wasm_v128_load32_splat(a2); c20 = f4_madd(c20, x, b0); c21 = f4_madd(c21, x, b1);
    x = wasm_v128_load32_splat(a3); c30 = f4_madd(c30, x, b0); c31 = f4_madd(c31, x, b1);
    a0 += aks; a1 += aks; a2 += aks; a3 += aks;
  }
  store_row(c, c00, c01, nr, acc);
  if (mr > 1) store_row(c + ldc, c10, c11, nr, acc);
  if (mr > 2) store_row(c + 2 * ldc, c20, c21, nr, acc);
  if (mr > 3) store_row(c + 3 * ldc, c30, c31, nr, acc);
}

/* Packs columns j0..j0+n (n ≤ 8, zero-padded) of B for k0..k0+kc into dst[k][8]. */
static inline void pack_b_panel(const float* b, int brs, int bcs, int k0, int kc, int j0, int n, float* dst) {
  const float* src = b + (long)k0 * brs + (long)j0 * bcs;
  if (bcs == 1 && n == NR) {
    for (int k = 0; k < kc; k++, src += brs, dst += NR) {
      f4_store(dst, f4_load(src));
      f4_store(dst + 4, f4_load(src + 4));
    }
    return;
  }
  if (brs == 1 && n == NR) {
    /* B read transposed (columns contiguous in k): 4×4 SIMD transposes, k in steps of 4. */
    int k = 0;
    for (; k + 4 <= kc; k += 4, src += 4, dst += 4 * NR)
      for (int t0 = 0; t0 < NR; t0 += 4) {
        const float* col = src + (long)t0 * bcs;
        f4 a = f4_load(col), b = f4_load(col + bcs), e = f4_load(col + 2L * bcs), f = f4_load(col + 3L * bcs);
        f4 ab0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab1 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
        f4 ef0 = wasm_i32x4_shuffle(e, f, 0, 4, 1, 5), ef1 = wasm_i32x4_shuffle(e, f, 2, 6, 3, 7);
        f4_store(dst + t0, wasm_i32x4_shuffle(ab0, ef0, 0, 1, 4, 5));
        f4_store(dst + NR + t0, wasm_i32x4_shuffle(ab0, ef0, 2, 3, 6, 7));
        f4_store(dst + 2 * NR + t0, wasm_i32x4_shuffle(ab1, ef1, 0, 1, 4, 5));
        f4_store(dst + 3 * NR + t0, wasm_i32x4_shuffle(ab1, ef1, 2, 3, 6, 7));
      }
    for (; k < kc; k++, src++, dst += NR)
      for (int t = 0; t < NR; t++) dst[t] = src[(long)t * bcs];
    return;
  }
  for (int k = 0; k < kc; k++, src += brs, dst += NR)
    for (int t = 0; t < NR; t++) dst[t] = t < n ? src[(long)t * bcs] : 0.0f;
}

/* Packs rows i0..i0+m (m ≤ 4) of A for k0..k0+kc into dst[k][4] (rows beyond m repeat row 0). */
static inline void pack_a_panel(const float* a, int ars, int aks, int i0, int m, int k0, int kc, float* dst) {
  const float* src = a + (long)i0 * ars + (long)k0 * aks;
  if (ars == 1 && m == MR) {
    for (int k = 0; k < kc; k++, src += aks, dst += MR) f4_store(dst, wasm_v128_load(src));
    return;
  }
  for (int k = 0; k < kc; k++, src += aks, dst += MR)
    for (int r = 0; r < MR; r++) dst[r] = src[(long)(r < m ? r : 0) * ars];
}

/* Claims the next unit of work: atomically when threads share the counter (built with atomics). */
DK_INLINE int claim(int* counter) {
#ifdef __wasm_atomics__
  return __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
#else
  return (*counter)++;
#endif
}

#endif
