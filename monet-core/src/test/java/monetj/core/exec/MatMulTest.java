package monetj.core.exec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The blocked f32 product against a triple loop in f64. Each term of an f32 dot product of length k passes
 * through at most KC fused multiply-add roundings inside its depth block and one addition into C per block,
 * at most k + 1 roundings in all, so the result is within (k + 1) u sum|a||b| of the exact value to first
 * order (u = 2^-24); k + 2 below covers the second-order term. The f64 reference of the same f32 inputs is
 * exact to far better than that, so the bound is the whole tolerance: a lost, doubled or misplaced term is
 * orders of magnitude above it.
 */
class MatMulTest {
    private static final double U = Math.ulp(1f) / 2;
    private static final int[] SIZES = {1, 2, 5, 6, 7, 13, 16, 17, 31, 32, 33, 47, 64, 97, 121, 130};
    private final Random rnd = new Random(11);

    @Test
    void randomShapesAndLayoutsMatchTheTripleLoop() {
        for (int trial = 0; trial < 120; trial++) {
            int batch = 1 + rnd.nextInt(3);
            int m = pick(), k = pick(), n = pick();
            check(batch, m, k, n, Layout.values()[rnd.nextInt(3)], Layout.values()[rnd.nextInt(3)], 1 + rnd.nextInt(2));
        }
    }

    @Test
    void blockEdgesBeyondTheCacheBlocksAreCovered() {
        // Depth past KC, width past NC, height past MC, each with a ragged remainder.
        check(1, F32Gemm.MC + 7, F32Gemm.KC + 3, F32Gemm.NC + F32MicroKernel.NR + 5, Layout.ROW_MAJOR, Layout.ROW_MAJOR, 2);
        check(2, 2 * F32Gemm.MC + 1, 2 * F32Gemm.KC + 1, 37, Layout.TRANSPOSED, Layout.STRIDED, 2);
        // A transposed is packed in taller blocks: more than one of them, the last ragged.
        check(1, F32Gemm.MC_CONTIGUOUS_ROWS + F32Gemm.MC + 5, F32Gemm.KC + 3, 45, Layout.TRANSPOSED, Layout.ROW_MAJOR, 1);
        check(1, 2 * F32Gemm.MC_CONTIGUOUS_ROWS + 7, 19, 37, Layout.TRANSPOSED, Layout.TRANSPOSED, 2);
        // C wider than one block of B with a short A: A packed once for the whole matrix, on one thread and shared
        // by threads taking column ranges.
        check(1, F32Gemm.MC + 7, F32Gemm.KC + 3, F32Gemm.NC + F32MicroKernel.NR + 5, Layout.TRANSPOSED, Layout.TRANSPOSED, 1);
        check(2, 13, F32Gemm.KC + 3, 2 * F32Gemm.NC + 5, Layout.STRIDED, Layout.TRANSPOSED, 2);
        // Deep enough to be split into depth segments (the last one ragged), A row-major and transposed.
        int deep = 2 * F32Gemm.DEPTH_SEGMENT + 77;
        assertTrue(F32Gemm.depthSegments(deep) == 3);
        check(1, 13, deep, 37, Layout.ROW_MAJOR, Layout.ROW_MAJOR, 2);
        check(1, 20, deep, 33, Layout.TRANSPOSED, Layout.STRIDED, 3);
    }

    @Test
    void aSumOfNegativeZerosIsPositiveZeroAsInTheReference() {
        // Zero times a negative is -0, and -0 + -0 stays -0: a kernel that stored a -0 it had not added to +0 (the
        // first depth block is stored over C, not added) would differ from the reference's 0 + sum. A packed per
        // block and whole, full and ragged tiles, one and two depth blocks.
        for (int[] mkn : new int[][] {{13, 7, F32Gemm.NC + 5}, {13, F32Gemm.KC + 3, F32Gemm.NC + 5}, {13, 9, 37}}) {
            int m = mkn[0], k = mkn[1], n = mkn[2];
            float[] a = new float[m * k], b = new float[k * n];
            java.util.Arrays.fill(b, -1.5f);
            float[] c = MatMul.matmulF32(a, MatrixLayout.rowMajor(1, m, k), b, MatrixLayout.rowMajor(1, k, n), m, k, n, 1);
            for (int i = 0; i < c.length; i++) {
                assertEquals(0, Float.floatToRawIntBits(c[i]), "element " + i + " of " + java.util.Arrays.toString(mkn) + " is " + c[i]);
            }
        }
    }

    @Test
    void everyWayOfSplittingAmongThreadsAgreesWithTheSerialResult() {
        // Five matrices: whole matrices per thread with 2 threads, one matrix at a time with 3 and 8, split by
        // rows (taller than wide) or by columns (wider than tall); rows too few for a register tile; and a product
        // deep enough for threads to take depth segments.
        for (int[] mkn : new int[][] {{301, 97, 45}, {6, 211, 700}, {96, 96, 96}, {4, 400, 300}, {7, 2 * F32Gemm.DEPTH_SEGMENT + 5, 19}}) {
            Operands o = Operands.random(rnd, 5, mkn[0], mkn[1], mkn[2], Layout.ROW_MAJOR, Layout.TRANSPOSED);
            float[] serial = MatMul.matmulF32(o.a, o.la, o.b, o.lb, mkn[0], mkn[1], mkn[2], 1);
            for (int threads : new int[] {2, 3, 8}) {
                float[] parallel = MatMul.matmulF32(o.a, o.la, o.b, o.lb, mkn[0], mkn[1], mkn[2], threads);
                // Every element is computed by the same kernel in the same order whichever thread runs it.
                assertArrayEquals(serial, parallel, threads + " threads, shape " + java.util.Arrays.toString(mkn));
            }
        }
    }

    @Test
    void fewRowsAgainstATransposedBGiveTheBitsOfTheRowMajorProduct() {
        // A few rows against B read transposed in place (its depth contiguous: a weight stored [n, k], as the logits
        // of one decoded token read the vocabulary table) run each lane of C down its own row of storage; every element
        // must be the same fused multiply-add chain as with B copied row-major first. Odd and even row counts (rows go
        // in pairs), ragged vector tails, batches, and products large enough for threads to split the columns.
        int[][] shapes = {{1, 1, 7, 5}, {1, 2, 33, 47}, {3, 5, 17, 16}, {1, 3, 130, 97}, {2, 4, 9, 1}, {1, 1, 128, 9000}, {1, 5, 200, 3001}};
        for (int[] s : shapes) {
            int batch = s[0], m = s[1], k = s[2], n = s[3];
            Operands o = Operands.random(rnd, batch, m, k, n, Layout.ROW_MAJOR, Layout.TRANSPOSED);
            float[] rowMajorB = new float[batch * k * n];
            for (int bi = 0; bi < batch; bi++) {
                for (int p = 0; p < k; p++) {
                    for (int j = 0; j < n; j++) rowMajorB[(bi * k + p) * n + j] = o.b[o.lb.offset(bi) + p * o.lb.rowStride() + j * o.lb.colStride()];
                }
            }
            float[] expected = MatMul.matmulF32(o.a, o.la, rowMajorB, MatrixLayout.rowMajor(batch, k, n), m, k, n, 1);
            for (int threads : new int[] {1, 2, 3}) {
                float[] c = new float[expected.length];
                java.util.Arrays.fill(c, Float.NaN);
                F32Gemm.multiply(o.a, o.la, o.b, o.lb, c, m, k, n, threads);
                assertArrayEquals(expected, c, java.util.Arrays.toString(s) + ", " + threads + " threads");
            }
        }
    }

    @Test
    void bf16OperandsGiveExactlyTheProductOfTheirF32Values() {
        // Widening happens as the operands are packed; the arithmetic after it is the f32 product's, element for element.
        int[][] shapes = {{1, 7, 5, 9}, {2, 13, 33, 47}, {3, 4, 17, 5}, {1, 130, 300, 97}, {1, 11, F32Gemm.DEPTH_SEGMENT * 2 + 9, 6},
                {2, 13, 259, F32Gemm.NC + 77}, {1, F32Gemm.MC_CONTIGUOUS_ROWS + 9, 40, 33}};
        for (int[] s : shapes) {
            for (Layout la : Layout.values()) {
                for (Layout lb : Layout.values()) {
                    Operands o = Operands.random(rnd, s[0], s[1], s[2], s[3], la, lb);
                    short[] a = bf16(o.a), b = bf16(o.b);
                    float[] widenedProduct = MatMul.matmulF32(widen(a), o.la, widen(b), o.lb, s[1], s[2], s[3], 2);
                    String what = java.util.Arrays.toString(s) + " " + la + " x " + lb;
                    assertArrayEquals(widenedProduct, MatMul.matmulBf16(a, o.la, b, o.lb, s[1], s[2], s[3], 2), what);
                    assertArrayEquals(widenedProduct, MatMul.matmulBf16(a, o.la, b, o.lb, s[1], s[2], s[3], 1), what);
                }
            }
        }
    }

    @Test
    void everyPathWritesAllOfCWhateverItHeld() {
        // MatMul takes C from the array pool for overwrite, so every path must write each element: tiny batched
        // products, products of a few rows, packed ones (A packed per block and whole, one and several depth blocks,
        // depth segments, ragged edges) and an empty depth. C full of NaN on entry must give the product on zeros.
        int[][] shapes = {{3, 4, 8, 4}, {2, 3, 40, 70}, {1, 13, 7, 37}, {2, 25, F32Gemm.KC + 3, 45}, {1, 13, F32Gemm.KC + 3, F32Gemm.NC + 5},
                {1, 20, 2 * F32Gemm.DEPTH_SEGMENT + 77, 33}, {2, 7, 0, 5}};
        for (int[] s : shapes) {
            for (Layout la : Layout.values()) {
                for (Layout lb : Layout.values()) {
                    Operands o = Operands.random(rnd, s[0], s[1], s[2], s[3], la, lb);
                    String what = java.util.Arrays.toString(s) + " " + la + " x " + lb;
                    float[] expected = MatMul.matmulF32(o.a, o.la, o.b, o.lb, s[1], s[2], s[3], 1);
                    for (int threads : new int[] {1, 2}) {
                        float[] c = new float[expected.length];
                        java.util.Arrays.fill(c, Float.NaN);
                        F32Gemm.multiply(o.a, o.la, o.b, o.lb, c, s[1], s[2], s[3], threads);
                        assertArrayEquals(expected, c, "f32 " + what + ", " + threads + " threads");
                        java.util.Arrays.fill(c, Float.NaN);
                        short[] a = bf16(o.a), b = bf16(o.b);
                        F32Gemm.multiplyBf16(a, o.la, b, o.lb, c, s[1], s[2], s[3], threads);
                        assertArrayEquals(MatMul.matmulF32(widen(a), o.la, widen(b), o.lb, s[1], s[2], s[3], 1), c, "bf16 " + what + ", " + threads + " threads");
                    }
                }
            }
        }
    }

    @Test
    void f32OperandsRoundedAsTheyArePackedGiveTheProductOfTheirBf16Copies() {
        // A bf16 product may take an operand as f32 (a master weight), rounded to bf16 as it is packed: the bits must be
        // those of the product of the converted copy, on every packed path (A per block and whole, B per block and
        // shared, one and several depth blocks, depth segments, ragged edges) and on the unpacked ones (tiny, a few
        // rows), whatever C held. Edge values: round-to-even ties both ways, values that round to infinity, subnormals,
        // -0, infinities and NaNs (some with payloads), so a rounding that differed from the convert's would show.
        int[][] shapes = {{1, 7, 5, 9}, {3, 4, 8, 4}, {2, 3, 40, 70}, {2, 13, 33, 47}, {1, 130, 300, 97}, {2, 13, 259, F32Gemm.NC + 77},
                {1, F32Gemm.MC_CONTIGUOUS_ROWS + 9, 40, 33}, {1, 11, 2 * F32Gemm.DEPTH_SEGMENT + 9, 6}};
        for (int[] s : shapes) {
            for (Layout la : Layout.values()) {
                for (Layout lb : Layout.values()) {
                    Operands o = Operands.random(rnd, s[0], s[1], s[2], s[3], la, lb);
                    sprinkleEdgeValues(o.a);
                    sprinkleEdgeValues(o.b);
                    short[] a = bf16(o.a), b = bf16(o.b);
                    float[] expected = MatMul.matmulBf16(a, o.la, b, o.lb, s[1], s[2], s[3], 1);
                    for (int threads : new int[] {1, 2}) {
                        for (int rounded = 1; rounded <= 3; rounded++) { // which operands come as f32: a, b or both
                            boolean fa = (rounded & 1) != 0, fb = (rounded & 2) != 0;
                            float[] c = new float[expected.length];
                            java.util.Arrays.fill(c, Float.NaN);
                            F32Gemm.multiplyBf16(fa ? o.a : null, fa ? null : a, o.la, fb ? o.b : null, fb ? null : b, o.lb, c, s[1], s[2], s[3], threads);
                            assertSameBits(expected, c, java.util.Arrays.toString(s) + " " + la + " x " + lb + ", f32 " + (fa ? "a " : "") + (fb ? "b " : "")
                                    + threads + " threads");
                        }
                    }
                }
            }
        }
    }

    private static final float[] EDGE_VALUES = {1 + 0x1p-8f, 1 + 3 * 0x1p-8f, -(1 + 0x1p-8f), 0x1.fep127f, Float.MAX_VALUE, -Float.MAX_VALUE, 1e-40f,
            -Float.MIN_VALUE, 0x1.008p-126f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0x7f800001),
            Float.intBitsToFloat(0xffc12345)};

    /** About one element in forty of an operand's matrices replaced by an edge value (the NaN padding of strided layouts left as it is). */
    private void sprinkleEdgeValues(float[] x) {
        for (int i = 0; i < x.length; i++) {
            if (!Float.isNaN(x[i]) && rnd.nextInt(40) == 0) x[i] = EDGE_VALUES[rnd.nextInt(EDGE_VALUES.length)];
        }
    }

    /**
     * Element for element the same bits, a NaN where a NaN is expected. Not the NaN's payload: a product's NaN comes out
     * of Math.fma, which propagates an operand's payload once the JIT has compiled it and returns the canonical NaN
     * while interpreted, so the payload depends on which code was warm (a run of several test classes together saw
     * 0x7fc00000 where the other path gave 0xffc10000). The rounding's own NaN bits are checked exactly by Bf16LanesTest
     * and FusedLanesTest.
     */
    private static void assertSameBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Float.isNaN(expected[i]) && Float.isNaN(actual[i])) continue;
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": element " + i + " is " + actual[i] + " (0x" + Integer.toHexString(Float.floatToRawIntBits(actual[i])) + "), expected " + expected[i]
                        + " (0x" + Integer.toHexString(Float.floatToRawIntBits(expected[i])) + ")");
            }
        }
    }

    private static short[] bf16(float[] f) {
        short[] h = new short[f.length];
        for (int i = 0; i < f.length; i++) h[i] = monetj.core.tensor.Float16.bf16FromFloat(f[i]);
        return h;
    }

    private static float[] widen(short[] h) {
        float[] f = new float[h.length];
        for (int i = 0; i < h.length; i++) f[i] = monetj.core.tensor.Float16.bf16ToFloat(h[i]);
        return f;
    }

    @Test
    void emptyDimensionsGiveEmptyOrZeroResults() {
        assertEquals(0, MatMul.matmulF32(new float[0], new float[0], 2, 0, 3, 0).length);
        assertArrayEquals(new float[6], MatMul.matmulF32(new float[0], new float[0], 1, 2, 0, 3));
        assertEquals(0, MatMul.matmulF32(new float[0], new float[0], 0, 4, 4, 4).length);
        assertArrayEquals(new double[6], MatMul.matmulF64(new double[0], new double[0], 1, 2, 0, 3));
    }

    @Test
    void f64ProductReadsTransposedAndStridedOperands() {
        for (int trial = 0; trial < 30; trial++) {
            int batch = 1 + rnd.nextInt(3), m = pick(), k = pick(), n = pick();
            Operands o = Operands.random(rnd, batch, m, k, n, Layout.values()[rnd.nextInt(3)], Layout.values()[rnd.nextInt(3)]);
            double[] a = toDoubles(o.a), b = toDoubles(o.b);
            double[] c = MatMul.matmulF64(a, o.la, b, o.lb, m, k, n);
            double[] expected = reference(o, m, k, n);
            for (int i = 0; i < c.length; i++) {
                assertEquals(expected[i], c[i], 1e-12 * Math.max(1, Math.abs(expected[i])), "f64 element " + i);
            }
        }
    }

    @Test
    void mismatchedBatchCountsAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> MatMul.matmulF32(new float[8], MatrixLayout.rowMajor(2, 2, 2),
                new float[4], MatrixLayout.rowMajor(1, 2, 2), 2, 2, 2));
        assertTrue(e.getMessage().contains("2 matrices") && e.getMessage().contains("rhs 1"), e.getMessage());
    }

    private int pick() { return SIZES[rnd.nextInt(SIZES.length)]; }

    private void check(int batch, int m, int k, int n, Layout layoutA, Layout layoutB, int threads) {
        Operands o = Operands.random(rnd, batch, m, k, n, layoutA, layoutB);
        float[] c = MatMul.matmulF32(o.a, o.la, o.b, o.lb, m, k, n, threads);
        double[] expected = reference(o, m, k, n), magnitude = absReference(o, m, k, n);
        assertEquals(batch * m * n, c.length);
        for (int i = 0; i < c.length; i++) {
            double bound = (k + 2) * U * magnitude[i];
            double err = Math.abs(c[i] - expected[i]);
            if (!(err <= bound)) {
                fail("batch " + batch + " m " + m + " k " + k + " n " + n + " (" + layoutA + " x " + layoutB + ", " + threads + " threads): element "
                        + i + " is " + c[i] + ", expected " + expected[i] + " within " + bound);
            }
        }
    }

    private static double[] reference(Operands o, int m, int k, int n) { return tripleLoop(o, m, k, n, false); }

    private static double[] absReference(Operands o, int m, int k, int n) { return tripleLoop(o, m, k, n, true); }

    private static double[] tripleLoop(Operands o, int m, int k, int n, boolean abs) {
        double[] c = new double[o.la.batch() * m * n];
        for (int b = 0; b < o.la.batch(); b++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        double x = (double) o.a[o.la.offset(b) + i * o.la.rowStride() + p * o.la.colStride()]
                                * o.b[o.lb.offset(b) + p * o.lb.rowStride() + j * o.lb.colStride()];
                        s += abs ? Math.abs(x) : x;
                    }
                    c[(b * m + i) * n + j] = s;
                }
            }
        }
        return c;
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** How a test operand is stored. */
    enum Layout { ROW_MAJOR, TRANSPOSED, STRIDED }

    /** Random operands in the requested layouts; batch matrices are stored in reverse order to exercise the offsets. */
    record Operands(float[] a, MatrixLayout la, float[] b, MatrixLayout lb) {
        static Operands random(Random rnd, int batch, int m, int k, int n, Layout layoutA, Layout layoutB) {
            return new Operands(stored(rnd, batch, m, k, layoutA), layout(batch, m, k, layoutA),
                    stored(rnd, batch, k, n, layoutB), layout(batch, k, n, layoutB));
        }

        private static float[] stored(Random rnd, int batch, int rows, int cols, Layout l) {
            MatrixLayout layout = layout(batch, rows, cols, l);
            int size = batch == 0 ? 0 : layout.offset(0) + Math.max(0, rows - 1) * layout.rowStride() + Math.max(0, cols - 1) * layout.colStride() + 1;
            float[] data = new float[rows * cols == 0 ? 0 : size];
            // Padding gets NaN so a read outside the matrices poisons the result.
            java.util.Arrays.fill(data, Float.NaN);
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) data[layout.offset(b) + i * layout.rowStride() + j * layout.colStride()] = rnd.nextFloat() * 2 - 1;
                }
            }
            return data;
        }

        private static MatrixLayout layout(int batch, int rows, int cols, Layout l) {
            return switch (l) {
                case ROW_MAJOR -> reversed(MatrixLayout.rowMajor(batch, rows, cols), batch, rows * cols);
                case TRANSPOSED -> reversed(MatrixLayout.columnMajor(batch, rows, cols), batch, rows * cols);
                // Rows padded by 3 elements, matrices by one padded row more.
                case STRIDED -> {
                    int[] offsets = new int[batch];
                    for (int b = 0; b < batch; b++) offsets[b] = (batch - 1 - b) * (rows + 1) * (cols + 3);
                    yield new MatrixLayout(offsets, cols + 3, 1);
                }
            };
        }

        private static MatrixLayout reversed(MatrixLayout l, int batch, int size) {
            int[] offsets = new int[batch];
            for (int b = 0; b < batch; b++) offsets[b] = (batch - 1 - b) * size;
            return new MatrixLayout(offsets, l.rowStride(), l.colStride());
        }
    }
}
