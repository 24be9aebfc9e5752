package monetj.core.exec;

import monetj.core.tensor.ArrayPool;

/**
 * Batched matrix products C[b] = A[b] (m x k) * B[b] (k x n). C is a new row-major array (batch stride
 * m * n), taken from the array pool for overwrite where one is bound: the f32 products write every element, so a
 * reused array is never cleared first; A and B are read through their {@link MatrixLayout}, so transposed operands
 * need no copy.
 */
public final class MatMul {
    /** Below this many multiply-adds the f64 product runs on the calling thread. */
    private static final long F64_PARALLEL_THRESHOLD = 1L << 16;

    /** Whether this JVM was started with the incubating Vector API, which the f32 kernels are written in. */
    private static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private MatMul() {}

    private static void requireVectorApi() {
        if (!VECTOR_API) {
            throw new UnsupportedOperationException("matmul: the Java executor's f32 kernels need the incubating Vector API; start the JVM with "
                    + "--add-modules jdk.incubator.vector (scripts/monet and the Maven build do)");
        }
    }

    /** The f32 kernel's shape, for benchmark reports: register tile, vector width and cache blocks. */
    public static String f32KernelDescription() {
        requireVectorApi();
        return "f32 micro-kernel " + F32MicroKernel.MR + "x" + F32MicroKernel.NR + " (2 x " + F32MicroKernel.SPECIES.vectorBitSize()
                + "-bit vectors), blocks MC=" + F32Gemm.MC + " KC=" + F32Gemm.KC + " NC=" + F32Gemm.NC;
    }

    /** The f32 product on all threads of the fork-join pool. */
    public static float[] matmulF32(float[] a, MatrixLayout la, float[] b, MatrixLayout lb, int m, int k, int n) {
        return matmulF32(a, la, b, lb, m, k, n, Parallel.threads());
    }

    /** The f32 product on at most {@code threads} threads (1: the calling thread only). */
    public static float[] matmulF32(float[] a, MatrixLayout la, float[] b, MatrixLayout lb, int m, int k, int n, int threads) {
        checkBatches(la, lb);
        requireVectorApi();
        float[] c = ArrayPool.floatsForOverwrite(outputSize(la.batch(), m, n)); // every path writes all of C
        F32Gemm.multiply(a, la, b, lb, c, m, k, n, threads);
        return c;
    }

    /**
     * The product of bf16 operands (bit patterns) with an f32 result, on all threads: the elements are widened
     * to f32 inside the product, which then runs as the f32 one does.
     */
    public static float[] matmulBf16(short[] a, MatrixLayout la, short[] b, MatrixLayout lb, int m, int k, int n) {
        return matmulBf16(a, la, b, lb, m, k, n, Parallel.threads());
    }

    /** The bf16 product on at most {@code threads} threads. */
    public static float[] matmulBf16(short[] a, MatrixLayout la, short[] b, MatrixLayout lb, int m, int k, int n, int threads) {
        checkBatches(la, lb);
        requireVectorApi();
        float[] c = ArrayPool.floatsForOverwrite(outputSize(la.batch(), m, n)); // every path writes all of C
        F32Gemm.multiplyBf16(a, la, b, lb, c, m, k, n, threads);
        return c;
    }

    /**
     * The product of bf16 values where an operand may come as f32 instead ({@code a} or {@code b} given, its bits
     * null): rounded to bf16 as the product reads it, the same bits as converting it first, on all threads.
     */
    public static float[] matmulBf16(float[] a, short[] aBits, MatrixLayout la, float[] b, short[] bBits, MatrixLayout lb, int m, int k, int n) {
        checkBatches(la, lb);
        requireVectorApi();
        if ((a == null) == (aBits == null) || (b == null) == (bBits == null)) {
            throw new IllegalArgumentException("matmul: each operand of a bf16 product comes either as f32 values or as bf16 bits");
        }
        float[] c = ArrayPool.floatsForOverwrite(outputSize(la.batch(), m, n)); // every path writes all of C
        F32Gemm.multiplyBf16(a, aBits, la, b, bBits, lb, c, m, k, n, Parallel.threads());
        return c;
    }

    /** Contiguous row-major operands: A is [batch, m, k], B is [batch, k, n]. */
    public static float[] matmulF32(float[] a, float[] b, int batch, int m, int k, int n) {
        return matmulF32(a, MatrixLayout.rowMajor(batch, m, k), b, MatrixLayout.rowMajor(batch, k, n), m, k, n);
    }

    /**
     * The f64 product: plain row-times-matrix loops (each row of C stays in cache while rows of B stream
     * past), parallel over rows. It serves gradient checks and integer operands, not the training hot path.
     */
    public static double[] matmulF64(double[] a, MatrixLayout la, double[] b, MatrixLayout lb, int m, int k, int n) {
        checkBatches(la, lb);
        int batch = la.batch();
        double[] c = new double[outputSize(batch, m, n)];
        if (c.length == 0 || k == 0) return c;
        // The inner loop wants unit-stride rows of B; other layouts are copied once into that form.
        double[] rowsB = lb.colStride() == 1 ? b : rowMajorCopy(b, lb, k, n);
        MatrixLayout lr = lb.colStride() == 1 ? lb : MatrixLayout.rowMajor(batch, k, n);
        int ars = la.rowStride(), acs = la.colStride(), brs = lr.rowStride();
        Parallel.RangeBody rows = (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int bi = r / m, i = r % m, ao = la.offset(bi) + i * ars, bo = lr.offset(bi), co = r * n;
                for (int p = 0; p < k; p++) {
                    double av = a[ao + p * acs];
                    for (int j = 0, s = bo + p * brs; j < n; j++, s++) c[co + j] += av * rowsB[s];
                }
            }
        };
        if ((long) batch * m * n * k < F64_PARALLEL_THRESHOLD) rows.run(0, batch * m);
        else Parallel.forRange(batch * m, (int) Math.max(1, F64_PARALLEL_THRESHOLD / ((long) n * k)), rows);
        return c;
    }

    /** Contiguous row-major operands: A is [batch, m, k], B is [batch, k, n]. */
    public static double[] matmulF64(double[] a, double[] b, int batch, int m, int k, int n) {
        return matmulF64(a, MatrixLayout.rowMajor(batch, m, k), b, MatrixLayout.rowMajor(batch, k, n), m, k, n);
    }

    private static double[] rowMajorCopy(double[] b, MatrixLayout lb, int k, int n) {
        double[] out = new double[outputSize(lb.batch(), k, n)];
        for (int bi = 0, o = 0; bi < lb.batch(); bi++) {
            for (int p = 0; p < k; p++) {
                for (int j = 0, s = lb.offset(bi) + p * lb.rowStride(); j < n; j++, s += lb.colStride()) out[o++] = b[s];
            }
        }
        return out;
    }

    private static void checkBatches(MatrixLayout la, MatrixLayout lb) {
        if (la.batch() != lb.batch()) {
            throw new IllegalArgumentException("matmul: lhs holds " + la.batch() + " matrices but rhs " + lb.batch());
        }
    }

    private static int outputSize(int batch, int m, int n) {
        long size = (long) batch * m * n;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("matmul: result of " + batch + " x " + m + " x " + n + " elements does not fit in one Java array");
        }
        return (int) size;
    }
}
