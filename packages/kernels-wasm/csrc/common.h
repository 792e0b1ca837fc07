/*
 * Shared helpers of the deconattn wasm kernels. Freestanding C (no libc): the module imports
 * tfjs-backend-wasm's own memory and works on tensors where tfjs keeps them, so it must own no
 * data segments and use no shadow stack (the loader checks both). Every function is a leaf over
 * pointers into that memory; scratch space comes from the caller.
 */
#ifndef DK_COMMON_H
#define DK_COMMON_H
#include <wasm_simd128.h>

#define DK_EXPORT(name) __attribute__((export_name(#name))) 
#define DK_INLINE static inline __attribute__((always_inline))

typedef v128_t f4;

DK_INLINE f4 f4_splat(float x) { return wasm_f32x4_splat(x); }
DK_INLINE f4 f4_load(const float* p) { return wasm_v128_load(p); }
DK_INLINE void f4_store(float* p, f4 v) { wasm_v128_store(p, v); }
DK_INLINE f4 f4_add(f4 a, f4 b) { return wasm_f32x4_add(a, b); }
DK_INLINE f4 f4_sub(f4 a, f4 b) { return wasm_f32x4_sub(a, b); }
DK_INLINE f4 f4_mul(f4 a, f4 b) { return wasm_f32x4_mul(a, b); }
DK_INLINE f4 f4_madd(f4 acc, f4 a, f4 b) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }
DK_INLINE float f4_hsum(f4 v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) + (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}
DK_INLINE float f4_hmax(f4 v) {
  float a = wasm_f32x4_extract_lane(v, 0), b = wasm_f32x4_extract_lane(v, 1);
  float c = wasm_f32x4_extract_lane(v, 2), d = wasm_f32x4_extract_lane(v, 3);
  float ab = a > b ? a : b, cd = c > d ? c : d;
  return ab > cd ? ab : cd;
}

/*
 * exp(x) for float32 lanes: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two for exactness), a
 * degree-6 polynomial for e^r (relative error < 2e-7 on the reduced range), scaled by 2^n built
 * in the exponent bits. Inputs below −87.3 give 0 (as float32 exp underflows), above 88.7 +inf.
 */
DK_INLINE f4 f4_exp(f4 x) {
  const f4 hi = f4_splat(88.7228391f), lo = f4_splat(-87.3365479f);
  f4 xc = wasm_f32x4_pmin(wasm_f32x4_pmax(x, lo), hi);
  f4 n = wasm_f32x4_nearest(f4_mul(xc, f4_splat(1.44269504088896341f)));
  f4 r = f4_sub(xc, f4_mul(n, f4_splat(0.693359375f)));
  r = f4_sub(r, f4_mul(n, f4_splat(-2.12194440e-4f)));
  f4 p = f4_splat(1.0f / 720.0f);
  p = f4_add(f4_mul(p, r), f4_splat(1.0f / 120.0f));
  p = f4_add(f4_mul(p, r), f4_splat(1.0f / 24.0f));
  p = f4_add(f4_mul(p, r), f4_splat(1.0f / 6.0f));
  p = f4_add(f4_mul(p, r), f4_splat(0.5f));
  p = f4_add(f4_mul(p, r), f4_splat(1.0f));
  p = f4_add(f4_mul(p, r), f4_splat(1.0f));
  v128_t e = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  f4 y = f4_mul(p, e);
  y = wasm_v128_bitselect(f4_splat(0.0f), y, wasm_f32x4_lt(x, lo));
  return wasm_v128_bitselect(f4_splat(__builtin_inff()), y, wasm_f32x4_gt(x, hi));
}

DK_INLINE float dk_expf(float x) { return wasm_f32x4_extract_lane(f4_exp(f4_splat(x)), 0); }

/* log(x) for x > 0 (cross-entropy's logsumexp): frexp-style split, then log1p by atanh series. */
DK_INLINE float dk_logf(float x) {
  union { float f; int i; } u = { x };
  int e = ((u.i >> 23) & 0xff) - 127;
  u.i = (u.i & 0x007fffff) | 0x3f800000; /* m in [1, 2) */
  float m = u.f;
  if (m > 1.41421356f) { m *= 0.5f; e += 1; }
  float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
  float poly = s * (2.0f + s2 * (0.666666667f + s2 * (0.4f + s2 * (0.285714286f + s2 * (0.222222222f + s2 * 0.181818182f)))));
  return poly + (float)e * 0.693147181f;
}

#endif
