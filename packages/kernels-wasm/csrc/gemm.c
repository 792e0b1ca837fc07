/*
 * Dense float32 matrix products C (+)= op(A)·op(B) on wasm SIMD, the hot loop of training.
 *
 * Register-blocked 4×8 micro-kernel (8 accumulators of 4 lanes: V8 keeps them in xmm registers;
 * a 6×8 tile spills and runs at half speed): per k it broadcasts 4 values of A and multiplies two
 * 4-lane vectors of B. Any layout is handled by strides — element (i,k) of A at a[i·ars + k·aks],
 * (k,j) of B at b[k·brs + j·bcs] — so transposed operands need no transpose kernel: B is packed
 * into 8-column panels when its columns are not contiguous (or for cache locality), A into 4-row
 * panels when its rows are not. Work is split over `nth` threads by column panels.
 */
#include "ukernel.h"

/*
 * C[M×N] (+)= A·B with strided operands (see top). Thread `tid` of `nth` computes its share of the
 * column panels; `scratch` must hold KC·NCP·8 + KC·4 floats per thread (this thread's own).
 */
DK_EXPORT(dk_gemm)
void dk_gemm(int M, int N, int K, const float* a, int ars, int aks, const float* b, int brs, int bcs, float* c, int ldc, int accumulate, float* scratch, int tid, int nth) {
  int panels = (N + NR - 1) / NR;
  int p0 = (int)((long)panels * tid / nth), p1 = (int)((long)panels * (tid + 1) / nth);
  if (p0 >= p1) return;
  float* bp = scratch;
  float* ap = scratch + KC * NCP * NR;
  int packA = aks != 1;
  for (int k0 = 0; k0 < K || (K == 0 && k0 == 0); k0 += KC) {
    int kc = K - k0 < KC ? K - k0 : KC;
    int acc = accumulate || k0 > 0;
    for (int g0 = p0; g0 < p1; g0 += NCP) {
      int g1 = g0 + NCP < p1 ? g0 + NCP : p1;
      for (int p = g0; p < g1; p++) {
        int j0 = p * NR, n = N - j0 < NR ? N - j0 : NR;
        pack_b_panel(b, brs, bcs, k0, kc, j0, n, bp + (long)(p - g0) * kc * NR);
      }
      for (int i0 = 0; i0 < M; i0 += MR) {
        int m = M - i0 < MR ? M - i0 : MR;
        const float* arow;
        int rs, ks;
        if (packA) {
          pack_a_panel(a, ars, aks, i0, m, k0, kc, ap);
          arow = ap; rs = 1; ks = MR;
        } else {
          arow = a + (long)i0 * ars + k0; rs = ars; ks = 1;
        }
        for (int p = g0; p < g1; p++) {
          int j0 = p * NR, n = N - j0 < NR ? N - j0 : NR;
          ukernel(kc, arow, rs, ks, bp + (long)(p - g0) * kc * NR, NR, c + (long)i0 * ldc + j0, ldc, m, n, acc);
        }
      }
    }
    if (K == 0) break;
  }
}

/* Floats of scratch dk_gemm needs per thread. */
DK_EXPORT(dk_gemm_scratch)
int dk_gemm_scratch(void) { return KC * NCP * NR + KC * MR; }
