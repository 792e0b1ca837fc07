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

#define CHUNK 4          /* column panels per unit of work handed out to threads */
#define PACK_A_MAX (1 << 20) /* floats: a transposed A up to this size is packed once per call */

/*
 * `batches` products C_i[M×N] (+)= A_i·B_i with strided operands (see top), A_i = a + i·sa and
 * likewise for B and C (a stride of 0 repeats one matrix). Threads take units of one batch entry
 * and CHUNK column panels from a shared counter (zeroed by the caller), batch-major, so a thread
 * the OS descheduled does not hold the others up and small batched products (attention maps)
 * are split too. A transposed A is packed into 4-row panels once per batch entry a thread meets.
 * Each unit computes exactly what a call for its batch entry alone computes. Scratch per thread:
 * dk_gemm_scratch(M, K) floats.
 */
static void gemm_batch(int batches, int M, int N, int K, const float* a0, int ars, int aks, long sa, const float* b0, int brs, int bcs, long sb, float* c0, int ldc, long sc, int accumulate, int* counter, float* scratch) {
  int panels = (N + NR - 1) / NR;
  int chunks = (panels + CHUNK - 1) / CHUNK;
  long units = (long)batches * chunks;
  float* bp = scratch;                          /* KC × CHUNK·8 */
  float* ap = scratch + KC * CHUNK * NR;        /* the whole packed A, or one 4×KC panel */
  long rowBlocks = (M + MR - 1) / MR;
  int packAll = aks != 1 && rowBlocks * MR * (long)K <= PACK_A_MAX;
  long packed = -1;
  for (long u = claim(counter); u < units; u = claim(counter)) {
    long bi = u / chunks;
    int ch = (int)(u % chunks);
    const float* a = a0 + bi * sa;
    const float* b = b0 + bi * sb;
    float* c = c0 + bi * sc;
    int p0 = ch * CHUNK, p1 = p0 + CHUNK < panels ? p0 + CHUNK : panels;
    if (packAll && packed != bi) {
      for (long rb = 0; rb < rowBlocks; rb++) {
        int i0 = (int)rb * MR, m = M - i0 < MR ? M - i0 : MR;
        pack_a_panel(a, ars, aks, i0, m, 0, K, ap + rb * MR * K);
      }
      packed = bi;
    }
    for (int k0 = 0; k0 < K || (K == 0 && k0 == 0); k0 += KC) {
      int kc = K - k0 < KC ? K - k0 : KC;
      int acc = accumulate || k0 > 0;
      for (int p = p0; p < p1; p++) {
        int j0 = p * NR, n = N - j0 < NR ? N - j0 : NR;
        pack_b_panel(b, brs, bcs, k0, kc, j0, n, bp + (long)(p - p0) * kc * NR);
      }
      for (int i0 = 0; i0 < M; i0 += MR) {
        int m = M - i0 < MR ? M - i0 : MR;
        const float* arow;
        int rs, ks;
        if (packAll) {
          arow = ap + (long)(i0 / MR) * MR * K + (long)k0 * MR; rs = 1; ks = MR;
        } else if (aks != 1) {
          pack_a_panel(a, ars, aks, i0, m, k0, kc, ap);
          arow = ap; rs = 1; ks = MR;
        } else {
          arow = a + (long)i0 * ars + k0; rs = ars; ks = 1;
        }
        for (int p = p0; p < p1; p++) {
          int j0 = p * NR, n = N - j0 < NR ? N - j0 : NR;
          ukernel(kc, arow, rs, ks, bp + (long)(p - p0) * kc * NR, NR, c + (long)i0 * ldc + j0, ldc, m, n, acc);
        }
      }
      if (K == 0) break;
    }
  }
}

/* One product C[M×N] (+)= A·B (see gemm_batch). */
DK_EXPORT(dk_gemm)
void dk_gemm(int M, int N, int K, const float* a, int ars, int aks, const float* b, int brs, int bcs, float* c, int ldc, int accumulate, int* counter, float* scratch, int tid, int nth) {
  (void)tid;
  (void)nth;
  gemm_batch(1, M, N, K, a, ars, aks, 0, b, brs, bcs, 0, c, ldc, 0, accumulate, counter, scratch);
}

/* `batches` products at element strides sa, sb, sc between entries (see gemm_batch). */
DK_EXPORT(dk_gemm_batch)
void dk_gemm_batch(int batches, int M, int N, int K, const float* a, int ars, int aks, int sa, const float* b, int brs, int bcs, int sb, float* c, int ldc, int sc, int accumulate, int* counter, float* scratch, int tid, int nth) {
  (void)tid;
  (void)nth;
  gemm_batch(batches, M, N, K, a, ars, aks, sa, b, brs, bcs, sb, c, ldc, sc, accumulate, counter, scratch);
}

/* Floats of scratch dk_gemm needs per thread for an M×K left operand. */
DK_EXPORT(dk_gemm_scratch)
int dk_gemm_scratch(int M, int K) {
  long packAll = (long)((M + MR - 1) / MR) * MR * K;
  return KC * CHUNK * NR + (packAll <= PACK_A_MAX ? (int)packAll : KC * MR) + 64;
}
