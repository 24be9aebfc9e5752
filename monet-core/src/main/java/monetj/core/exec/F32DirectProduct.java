package monetj.core.exec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The f32 product without packing, for A of very few rows (a vector times a matrix, say):
 * there each element of B is used only a few times, so copying B into panels and padding A to whole tiles
 * would cost more than the arithmetic. Each row of C is built as a sum of rows of B scaled by elements of A,
 * vectorised along the row; where B's depth is contiguous instead (a weight stored [n, k] and read transposed,
 * as the logits of one decoded token read the vocabulary table) each lane of C runs down its own row of storage.
 * Either way each element of C is the same chain of fused multiply-adds over the depth in order.
 */
final class F32DirectProduct {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    private F32DirectProduct() {}

    /** C[b] += A[b] * B[b] for matrices b in [b0, b1); C row-major with batch stride m * n; threads split one matrix's columns when given more than one. */
    static void multiply(float[] a, MatrixLayout la, float[] b, MatrixLayout lb, float[] c, int m, int k, int n, int b0, int b1, int threads) {
        if (lb.rowStride() == 1 && n > 1) {
            for (int bi = b0; bi < b1; bi++) alongContiguousDepth(a, la, b, lb, c, m, k, n, bi, threads);
            return;
        }
        // Rows of B must be contiguous for the vector loop; a strided B is copied once per matrix (k x n floats).
        float[] rowsB = lb.colStride() == 1 ? null : new float[k * n];
        for (int bi = b0; bi < b1; bi++) {
            float[] src = b;
            int bBase = lb.offset(bi), brs = lb.rowStride();
            if (rowsB != null) {
                for (int p = 0; p < k; p++) {
                    for (int j = 0, s = bBase + p * brs; j < n; j++, s += lb.colStride()) rowsB[p * n + j] = b[s];
                }
                src = rowsB;
                bBase = 0;
                brs = n;
            }
            int aBase = la.offset(bi), cBase = bi * m * n;
            for (int i = 0; i < m; i++) {
                int cRow = cBase + i * n, aRow = aBase + i * la.rowStride();
                for (int p = 0; p < k; p++) {
                    float av = a[aRow + p * la.colStride()];
                    F32SmallProduct.axpy(av, src, bBase + p * brs, c, cRow, n);
                }
            }
        }
    }

    /**
     * Matrix bi with B's depth contiguous (element (p, j) at offset + j * colStride + p): a vector of C holds LANES
     * columns, and each depth step gathers their elements of B, one from each of LANES rows of storage, for two rows
     * of A at once, so B is read in place, once per pair of rows, instead of copied transposed one element at a time
     * (a [32000, 128] table took 28-39 ms that way: 0.5 GB/s). Threads take column ranges (of whole vectors).
     */
    private static void alongContiguousDepth(float[] a, MatrixLayout la, float[] b, MatrixLayout lb, float[] c, int m, int k, int n, int bi,
            int threads) {
        int vectors = n / LANES;
        long multiplyAdds = (long) m * k * n;
        if (threads <= 1 || multiplyAdds < F32Gemm.PARALLEL_THRESHOLD || vectors < 2) {
            columnsAlongContiguousDepth(a, la, b, lb, c, m, k, n, bi, 0, n);
            return;
        }
        int grain = (int) Math.max(1, F32Gemm.PARALLEL_THRESHOLD / ((long) m * k * LANES));
        Parallel.forRange(vectors, grain, (lo, hi) -> columnsAlongContiguousDepth(a, la, b, lb, c, m, k, n, bi, lo * LANES, hi == vectors ? n : hi * LANES));
    }

    /** Columns [j0, j1) of matrix bi of C, B's depth contiguous. */
    private static void columnsAlongContiguousDepth(float[] a, MatrixLayout la, float[] b, MatrixLayout lb, float[] c, int m, int k, int n, int bi,
            int j0, int j1) {
        int cs = lb.colStride(), bBase = lb.offset(bi), cBase = bi * m * n, ars = la.rowStride(), acs = la.colStride();
        int[] rows = new int[LANES];
        for (int l = 0; l < LANES; l++) rows[l] = l * cs;
        int whole = j0 + (j1 - j0) / LANES * LANES;
        for (int i = 0; i < m; i += 2) {
            int a0 = la.offset(bi) + i * ars, a1 = a0 + ars, c0 = cBase + i * n, c1 = c0 + n;
            boolean pair = i + 1 < m;
            for (int j = j0; j < whole; j += LANES) {
                int at = bBase + j * cs;
                FloatVector s0 = FloatVector.fromArray(SPECIES, c, c0 + j);
                if (pair) {
                    FloatVector s1 = FloatVector.fromArray(SPECIES, c, c1 + j);
                    for (int p = 0; p < k; p++) {
                        FloatVector bp = FloatVector.fromArray(SPECIES, b, at + p, rows, 0);
                        s0 = FloatVector.broadcast(SPECIES, a[a0 + p * acs]).fma(bp, s0);
                        s1 = FloatVector.broadcast(SPECIES, a[a1 + p * acs]).fma(bp, s1);
                    }
                    s1.intoArray(c, c1 + j);
                } else {
                    for (int p = 0; p < k; p++) s0 = FloatVector.broadcast(SPECIES, a[a0 + p * acs]).fma(FloatVector.fromArray(SPECIES, b, at + p, rows, 0), s0);
                }
                s0.intoArray(c, c0 + j);
            }
            for (int r = i; r < Math.min(m, i + 2); r++) {
                int ar = la.offset(bi) + r * ars, cr = cBase + r * n;
                for (int j = whole; j < j1; j++) {
                    float s = c[cr + j];
                    for (int p = 0, at = bBase + j * cs; p < k; p++) s = Math.fma(a[ar + p * acs], b[at + p], s);
                    c[cr + j] = s;
                }
            }
        }
    }
}
