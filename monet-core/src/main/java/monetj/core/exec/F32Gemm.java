package monetj.core.exec;

import static monetj.core.exec.F32MicroKernel.MR;
import static monetj.core.exec.F32MicroKernel.NR;

import java.util.Arrays;

/**
 * Batched f32 matrix product C[b] += A[b] * B[b] with C row-major and A, B in any {@link MatrixLayout}.
 *
 * <p>The classic blocked scheme: a KC x NC block of B is packed into NR-wide column panels that stay in L2,
 * an MC x KC block of A into MR-high row panels; the micro-kernel then runs each A panel (small enough for L1)
 * against every B panel. Packing is where layouts are absorbed, so transposed operands cost nothing extra, and
 * it zero-pads ragged edges so the micro-kernel always computes whole tiles. The output is cut into
 * independent rectangles (per batch, then along the longer of M and N) run on the fork-join pool. Products
 * with fewer rows than a register tile go to {@link F32DirectProduct}: packing B would not pay for itself.
 */
final class F32Gemm {
    /** Depth of one packed block: an A panel of MR x KC floats fits in L1 with room for streaming B. */
    static final int KC = 256;
    /** Width of one packed B block: KC x NC floats (512 KiB) fit in a 1 MiB L2. */
    static final int NC = 512;
    /** Height of one packed A block (MC x KC floats); it only sets how often A is repacked, the kernel reads one MR panel at a time. */
    static final int MC = 120;
    /** Below this many multiply-adds (some 25 us on one core) waking pool threads costs more than it saves. */
    private static final long PARALLEL_THRESHOLD = 1L << 20;

    private F32Gemm() {}

    /**
     * C[b] (m x n, row-major, batch stride m * n) += A[b] (m x k) * B[b] (k x n), on up to {@code threads}
     * threads of the fork-join pool.
     */
    static void multiply(float[] a, MatrixLayout la, float[] b, MatrixLayout lb, float[] c, int m, int k, int n, int threads) {
        int batch = la.batch();
        if (batch == 0 || m == 0 || n == 0 || k == 0) return;
        long work = (long) batch * m * n * k;
        boolean serial = threads <= 1 || work < PARALLEL_THRESHOLD;
        if (m < MR) {
            if (serial) {
                F32DirectProduct.multiply(a, la, b, lb, c, m, k, n, 0, batch);
            } else {
                int grain = (int) Math.max(1, PARALLEL_THRESHOLD / ((long) m * n * k));
                Parallel.forRange(batch, grain, (lo, hi) -> F32DirectProduct.multiply(a, la, b, lb, c, m, k, n, lo, hi));
            }
            return;
        }
        // Several rectangles per thread so that work stealing evens out uneven cores.
        int perBatch = serial ? 1 : Math.max(1, Math.ceilDiv(threads * 3, batch));
        boolean splitM = Math.ceilDiv(m, MR) >= Math.ceilDiv(n, NR);
        int parts = Math.min(perBatch, splitM ? Math.ceilDiv(m, MR) : Math.ceilDiv(n, NR));
        int unit = splitM ? MR : NR, extent = splitM ? m : n;
        int step = Math.ceilDiv(Math.ceilDiv(extent, unit), parts) * unit;
        int partsPerBatch = Math.ceilDiv(extent, step);
        Parallel.RangeBody body = (lo, hi) -> {
            Workspace w = new Workspace(Math.min(m, MC), Math.min(k, KC), Math.min(n, NC));
            for (int t = lo; t < hi; t++) {
                int bi = t / partsPerBatch, from = (t % partsPerBatch) * step, to = Math.min(extent, from + step);
                int cOff = bi * m * n;
                if (splitM) {
                    block(a, la.offset(bi), la, b, lb.offset(bi), lb, c, cOff, n, from, to, 0, n, k, w);
                } else {
                    block(a, la.offset(bi), la, b, lb.offset(bi), lb, c, cOff, n, 0, m, from, to, k, w);
                }
            }
        };
        if (serial) body.run(0, batch * partsPerBatch);
        else Parallel.forRange(batch * partsPerBatch, 1, body);
    }

    /** Pack buffers of one thread, sized for the blocks this product actually needs. */
    private static final class Workspace {
        final float[] aPack, bPack, edge = new float[MR * NR];

        Workspace(int mc, int kc, int nc) {
            aPack = new float[Math.ceilDiv(mc, MR) * MR * kc];
            bPack = new float[Math.ceilDiv(nc, NR) * NR * kc];
        }
    }

    /** Rows [i0, i1) and columns [j0, j1) of one matrix of the batch. */
    private static void block(float[] a, int aBase, MatrixLayout la, float[] b, int bBase, MatrixLayout lb, float[] c, int cBase, int ldc,
                              int i0, int i1, int j0, int j1, int k, Workspace w) {
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(b, bBase, lb.rowStride(), lb.colStride(), pc, kc, jc, nc, w.bPack);
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    packA(a, aBase, la.rowStride(), la.colStride(), ic, mc, pc, kc, w.aPack);
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = Math.min(MR, mc - ir);
                        for (int jr = 0; jr < nc; jr += NR) {
                            int nr = Math.min(NR, nc - jr);
                            int aOff = ir * kc, bOff = jr * kc, cOff = cBase + (ic + ir) * ldc + jc + jr;
                            if (mr == MR && nr == NR) {
                                F32MicroKernel.tile(w.aPack, aOff, w.bPack, bOff, kc, c, cOff, ldc);
                            } else {
                                edgeTile(w, aOff, bOff, kc, c, cOff, ldc, mr, nr);
                            }
                        }
                    }
                }
            }
        }
    }

    /** A ragged tile: computed whole into a scratch tile (the packs are zero-padded), then the valid part added. */
    private static void edgeTile(Workspace w, int aOff, int bOff, int kc, float[] c, int cOff, int ldc, int mr, int nr) {
        float[] t = w.edge;
        Arrays.fill(t, 0f);
        F32MicroKernel.tile(w.aPack, aOff, w.bPack, bOff, kc, t, 0, NR);
        for (int i = 0; i < mr; i++) {
            for (int j = 0; j < nr; j++) c[cOff + i * ldc + j] += t[i * NR + j];
        }
    }

    /** Packs rows [i0, i0 + mc) x depth [p0, p0 + kc) of A into MR-high panels: panel q holds {@code pack[q*MR*kc + p*MR + i]}. */
    private static void packA(float[] a, int base, int rs, int cs, int i0, int mc, int p0, int kc, float[] pack) {
        for (int q = 0; q * MR < mc; q++) {
            int rows = Math.min(MR, mc - q * MR), dst = q * MR * kc, src = base + (i0 + q * MR) * rs + p0 * cs;
            if (cs <= rs) {
                // Depth is the contiguous direction: read each row along p.
                for (int i = 0; i < rows; i++) {
                    for (int p = 0, s = src + i * rs; p < kc; p++, s += cs) pack[dst + p * MR + i] = a[s];
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    for (int i = 0, s = src + p * cs; i < rows; i++, s += rs) pack[dst + p * MR + i] = a[s];
                }
            }
            if (rows < MR) {
                for (int p = 0; p < kc; p++) Arrays.fill(pack, dst + p * MR + rows, dst + (p + 1) * MR, 0f);
            }
        }
    }

    /** Packs depth [p0, p0 + kc) x columns [j0, j0 + nc) of B into NR-wide panels: panel q holds {@code pack[q*NR*kc + p*NR + j]}. */
    private static void packB(float[] b, int base, int rs, int cs, int p0, int kc, int j0, int nc, float[] pack) {
        for (int q = 0; q * NR < nc; q++) {
            int cols = Math.min(NR, nc - q * NR), dst = q * NR * kc, src = base + p0 * rs + (j0 + q * NR) * cs;
            if (cs == 1) {
                for (int p = 0; p < kc; p++) System.arraycopy(b, src + p * rs, pack, dst + p * NR, cols);
            } else if (cs < rs) {
                for (int p = 0; p < kc; p++) {
                    for (int j = 0, s = src + p * rs; j < cols; j++, s += cs) pack[dst + p * NR + j] = b[s];
                }
            } else {
                // Depth is the contiguous direction (B given transposed): read each column along p.
                for (int j = 0; j < cols; j++) {
                    for (int p = 0, s = src + j * cs; p < kc; p++, s += rs) pack[dst + p * NR + j] = b[s];
                }
            }
            if (cols < NR) {
                for (int p = 0; p < kc; p++) Arrays.fill(pack, dst + p * NR + cols, dst + (p + 1) * NR, 0f);
            }
        }
    }
}
