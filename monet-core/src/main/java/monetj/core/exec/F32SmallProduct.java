package monetj.core.exec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Many tiny f32 products at once (Monet's per-head and per-expert products: thousands of 4 x 32 by 32 x 4
 * matrices, outer products with no depth, dot products of 4-vectors). Each is a few hundred multiply-adds, less
 * than packing it into register tiles would cost, so each is computed straight from its operands' strides. When
 * B's rows are contiguous and at least a vector wide, rows of B scaled by elements of A are added into C's rows;
 * otherwise the vector lanes run across matrices, one matrix per lane: each element of C is a dot product whose
 * terms are gathered from a vector's worth of matrices at once.
 */
final class F32SmallProduct {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    /** Up to this many multiply-adds per matrix a product counts as tiny: about the cost of packing one register tile. */
    static final int MAX_WORK = 1 << 12;

    private F32SmallProduct() {}

    static boolean suits(int m, int k, int n) { return (long) m * k * n <= MAX_WORK; }

    /** C[b] += A[b] * B[b] for matrices b in [b0, b1); C row-major with batch stride m * n. */
    static void multiply(float[] a, MatrixLayout la, float[] b, MatrixLayout lb, float[] c, int m, int k, int n, int b0, int b1) {
        int ars = la.rowStride(), acs = la.colStride(), brs = lb.rowStride(), bcs = lb.colStride();
        boolean rows = bcs == 1 && n >= LANES;
        if (!rows) b0 = acrossMatrices(a, la, b, lb, c, m, k, n, b0, b1);
        for (int bi = b0; bi < b1; bi++) {
            int aBase = la.offset(bi), bBase = lb.offset(bi), cBase = bi * m * n;
            for (int i = 0; i < m; i++) {
                int aRow = aBase + i * ars, cRow = cBase + i * n;
                if (rows) {
                    for (int p = 0; p < k; p++) axpy(a[aRow + p * acs], b, bBase + p * brs, c, cRow, n);
                } else {
                    for (int j = 0; j < n; j++) {
                        float sum = 0;
                        for (int p = 0, ai = aRow, bj = bBase + j * bcs; p < k; p++, ai += acs, bj += brs) sum = Math.fma(a[ai], b[bj], sum);
                        c[cRow + j] += sum;
                    }
                }
            }
        }
    }

    /**
     * C[b] += A[b] * B[b] for whole vectors of matrices from b0 on, lane l computing matrix b + l; returns the first
     * matrix left over (fewer than a vector's worth).
     */
    private static int acrossMatrices(float[] a, MatrixLayout la, float[] b, MatrixLayout lb, float[] c, int m, int k, int n, int b0, int b1) {
        int ars = la.rowStride(), acs = la.colStride(), brs = lb.rowStride(), bcs = lb.colStride(), size = m * n;
        int[] aStarts = la.batchOffsets(), bStarts = lb.batchOffsets(), cLanes = new int[LANES];
        for (int l = 0; l < LANES; l++) cLanes[l] = l * size;
        int bi = b0;
        for (; bi + LANES <= b1; bi += LANES) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    FloatVector sum = FloatVector.zero(SPECIES);
                    for (int p = 0, ai = i * ars, bj = j * bcs; p < k; p++, ai += acs, bj += brs) {
                        sum = FloatVector.fromArray(SPECIES, a, ai, aStarts, bi).fma(FloatVector.fromArray(SPECIES, b, bj, bStarts, bi), sum);
                    }
                    int co = bi * size + i * n + j;
                    FloatVector.fromArray(SPECIES, c, co, cLanes, 0).add(sum).intoArray(c, co, cLanes, 0);
                }
            }
        }
        return bi;
    }

    /** c[co, co + n) += alpha * x[xo, xo + n). */
    static void axpy(float alpha, float[] x, int xo, float[] c, int co, int n) {
        int j = 0;
        if (n >= LANES) {
            FloatVector va = FloatVector.broadcast(SPECIES, alpha);
            for (int bound = SPECIES.loopBound(n); j < bound; j += LANES) {
                va.fma(FloatVector.fromArray(SPECIES, x, xo + j), FloatVector.fromArray(SPECIES, c, co + j)).intoArray(c, co + j);
            }
        }
        for (; j < n; j++) c[co + j] = Math.fma(alpha, x[xo + j], c[co + j]);
    }
}
