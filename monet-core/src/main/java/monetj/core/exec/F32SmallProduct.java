package monetj.core.exec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Many tiny f32 products at once (Monet's per-head and per-expert products: thousands of 4 x 32 by 32 x 4
 * matrices, outer products with no depth, dot products of 4-vectors). Each is a few hundred multiply-adds, less
 * than packing it into register tiles would cost, so each is computed straight from its operands' strides. When
 * B's rows are contiguous and at least a vector wide, each vector of a row of C is a sum of rows of B scaled by
 * elements of A. Otherwise, where the matrices lie at fixed strides and are small or narrow enough, vectors run over
 * C's flat elements (see {@link F32FlatProduct}). What is left: when A's columns are contiguous and a vector long,
 * columns of A scaled by elements of B are summed into a transposed scratch C, then copied into C; else the vector
 * lanes run across matrices, one matrix per lane: a vector's worth of matrices is first gathered into lane-major
 * scratch copies of A and B (each element gathered once, however often the product uses it), then each element of C
 * is a dot product over contiguous loads. Every path writes each element of C once, as the chain
 * {@code c = fma(a[p], b[p], c)} from +0 in depth order, so all give the same bits; C's contents on entry do not matter.
 */
final class F32SmallProduct {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    /** Up to this many multiply-adds per matrix a product counts as tiny: about the cost of packing one register tile. */
    static final int MAX_WORK = 1 << 12;

    private final MatrixLayout la, lb;
    private final int m, k, n;
    private final boolean byRows, byColumns;
    private final F32FlatProduct flat; // null where the flat product does not suit

    private F32SmallProduct(int m, int k, int n, MatrixLayout la, MatrixLayout lb) {
        this.la = la;
        this.lb = lb;
        this.m = m;
        this.k = k;
        this.n = n;
        this.byRows = lb.colStride() == 1 && n >= LANES;
        this.flat = byRows ? null : F32FlatProduct.plan(m, k, n, la, lb);
        this.byColumns = la.rowStride() == 1 && m >= LANES;
    }

    static boolean suits(int m, int k, int n) { return (long) m * k * n <= MAX_WORK; }

    /**
     * How to multiply matrices of these layouts: which path, and the flat product's lane maps, worked out once (the
     * executor keeps it with its node; the maps for thousands of tiny matrices cost more than their product).
     */
    static F32SmallProduct plan(int m, int k, int n, MatrixLayout la, MatrixLayout lb) { return new F32SmallProduct(m, k, n, la, lb); }

    /** C = A * B for every matrix, on up to {@code threads} threads when the work pays for them. */
    void multiply(float[] a, float[] b, float[] c, int threads) {
        int batch = la.batch();
        if (batch == 0 || m == 0 || n == 0 || k == 0) return;
        if (threads <= 1 || (long) batch * m * k * n < F32Gemm.PARALLEL_THRESHOLD) multiply(a, b, c, 0, batch);
        else Parallel.forRange(batch, F32Gemm.matricesPerChunk(m, k, n), (lo, hi) -> multiply(a, b, c, lo, hi));
    }

    /** C[b] = A[b] * B[b] for matrices b in [b0, b1); C row-major with batch stride m * n. */
    void multiply(float[] a, float[] b, float[] c, int b0, int b1) {
        if (byRows) {
            byRows(a, la, b, lb, c, m, k, n, b0, b1);
            return;
        }
        if (flat != null) b0 = flat.multiply(a, la, b, lb, c, b0, b1);
        if (b0 == b1) return;
        if (byColumns) byColumns(a, la, b, lb, c, m, k, n, b0, b1);
        else scalar(a, la, b, lb, c, m, k, n, acrossMatrices(a, la, b, lb, c, m, k, n, b0, b1), b1);
    }

    /** Each vector of a row of C summed in a register over B's rows scaled by A's elements, the columns past whole vectors one by one. */
    private static void byRows(float[] a, MatrixLayout la, float[] b, MatrixLayout lb, float[] c, int m, int k, int n, int b0, int b1) {
        int ars = la.rowStride(), acs = la.colStride(), brs = lb.rowStride(), whole = SPECIES.loopBound(n);
        for (int bi = b0; bi < b1; bi++) {
            int aBase = la.offset(bi), bBase = lb.offset(bi), cBase = bi * m * n;
            for (int i = 0; i < m; i++) {
                int aRow = aBase + i * ars, cRow = cBase + i * n;
                for (int j = 0; j < whole; j += LANES) {
                    FloatVector sum = FloatVector.zero(SPECIES);
                    for (int p = 0; p < k; p++) sum = FloatVector.broadcast(SPECIES, a[aRow + p * acs]).fma(FloatVector.fromArray(SPECIES, b, bBase + p * brs + j), sum);
                    sum.intoArray(c, cRow + j);
                }
                for (int j = whole; j < n; j++) {
                    float sum = 0;
                    for (int p = 0; p < k; p++) sum = Math.fma(a[aRow + p * acs], b[bBase + p * brs + j], sum);
                    c[cRow + j] = sum;
                }
            }
        }
    }

    /** C's columns as sums of A's columns scaled by B's elements, built in a transposed scratch and copied into C. */
    private static void byColumns(float[] a, MatrixLayout la, float[] b, MatrixLayout lb, float[] c, int m, int k, int n, int b0, int b1) {
        int acs = la.colStride(), brs = lb.rowStride(), bcs = lb.colStride();
        float[] columns = new float[n * m];
        for (int bi = b0; bi < b1; bi++) {
            int aBase = la.offset(bi), bBase = lb.offset(bi), cBase = bi * m * n;
            java.util.Arrays.fill(columns, 0f);
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < k; p++) axpy(b[bBase + p * brs + j * bcs], a, aBase + p * acs, columns, j * m, m);
            }
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[cBase + i * n + j] = columns[j * m + i];
        }
    }

    /**
     * C[b] = A[b] * B[b] for whole vectors of matrices from b0 on, lane l computing matrix b + l; returns the first
     * matrix left over (fewer than a vector's worth).
     */
    private static int acrossMatrices(float[] a, MatrixLayout la, float[] b, MatrixLayout lb, float[] c, int m, int k, int n, int b0, int b1) {
        if (b1 - b0 < LANES) return b0;
        int ars = la.rowStride(), acs = la.colStride(), brs = lb.rowStride(), bcs = lb.colStride(), size = m * n;
        int[] aStarts = la.batchOffsets(), bStarts = lb.batchOffsets();
        float[] pa = new float[m * k * LANES], pb = new float[k * n * LANES], pc = new float[size * LANES]; // lane-major: element e of lane l at e * LANES + l
        int bi = b0;
        for (; bi + LANES <= b1; bi += LANES) {
            for (int i = 0, e = 0; i < m; i++) {
                for (int p = 0; p < k; p++, e++) FloatVector.fromArray(SPECIES, a, i * ars + p * acs, aStarts, bi).intoArray(pa, e * LANES);
            }
            for (int p = 0, e = 0; p < k; p++) {
                for (int j = 0; j < n; j++, e++) FloatVector.fromArray(SPECIES, b, p * brs + j * bcs, bStarts, bi).intoArray(pb, e * LANES);
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    FloatVector sum = FloatVector.zero(SPECIES);
                    for (int p = 0; p < k; p++) {
                        sum = FloatVector.fromArray(SPECIES, pa, (i * k + p) * LANES).fma(FloatVector.fromArray(SPECIES, pb, (p * n + j) * LANES), sum);
                    }
                    sum.intoArray(pc, (i * n + j) * LANES);
                }
            }
            for (int l = 0; l < LANES; l++) {
                for (int e = 0, co = (bi + l) * size; e < size; e++) c[co + e] = pc[e * LANES + l];
            }
        }
        return bi;
    }

    /** C[b] = A[b] * B[b] one element at a time, for the matrices left over from the vector paths. */
    private static void scalar(float[] a, MatrixLayout la, float[] b, MatrixLayout lb, float[] c, int m, int k, int n, int b0, int b1) {
        int ars = la.rowStride(), acs = la.colStride(), brs = lb.rowStride(), bcs = lb.colStride();
        for (int bi = b0; bi < b1; bi++) {
            int aBase = la.offset(bi), bBase = lb.offset(bi), cBase = bi * m * n;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float sum = 0;
                    for (int p = 0, ai = aBase + i * ars, bj = bBase + j * bcs; p < k; p++, ai += acs, bj += brs) sum = Math.fma(a[ai], b[bj], sum);
                    c[cBase + i * n + j] = sum;
                }
            }
        }
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
