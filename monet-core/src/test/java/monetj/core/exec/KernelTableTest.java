package monetj.core.exec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import monetj.core.ir.Binary;
import monetj.core.ir.BroadcastInDim;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Op;
import monetj.core.ir.Reduce;
import monetj.core.ir.Unary;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;

/** Every optimised kernel of the table against its op's reference evaluation, on random shapes and edge values. */
class KernelTableTest {
    private final Random random = new Random(16);
    private static final float[] EDGES = {0f, -0f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
            Float.MAX_VALUE, -Float.MAX_VALUE, 1e-30f, 88.7f, -103.9f, 0.5f};

    /** Runs {@code op} on {@code args} through the table and through {@link Op#evaluate}. */
    private static HostTensor[] both(Op op, HostTensor... args) {
        Graph g = new Graph("oracle");
        List<Value> in = new ArrayList<>();
        for (int i = 0; i < args.length; i++) in.add(g.parameter("x" + i, args[i].type()));
        Node n = g.apply(op, in);
        return new HostTensor[] {KernelTable.forNode(n).run(List.of(args)).get(0), op.evaluate(List.of(args)).get(0)};
    }

    private static void assertSame(HostTensor[] r, String what) {
        assertEquals(r[1].type(), r[0].type(), what);
        assertTrue(FusedLoopTest.sameValues(r[0], r[1]), what + ": kernel " + r[0] + " vs reference " + r[1]);
    }

    private Shape randomShape(int maxRank, int maxDim) {
        int[] d = new int[1 + random.nextInt(maxRank)];
        for (int i = 0; i < d.length; i++) d[i] = 1 + random.nextInt(maxDim);
        return Shape.of(d);
    }

    private HostTensor randomF32(Shape s, boolean edges) {
        float[] v = new float[s.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = edges && random.nextInt(4) == 0 ? EDGES[random.nextInt(EDGES.length)] : (float) (random.nextGaussian() * 3);
        return HostTensor.of(s, v);
    }

    @Test
    void binaryKernelsEqualTheReferenceBitForBit() {
        for (Binary.Kind k : List.of(Binary.Kind.ADD, Binary.Kind.SUBTRACT, Binary.Kind.MULTIPLY, Binary.Kind.DIVIDE, Binary.Kind.POWER,
                Binary.Kind.MAXIMUM, Binary.Kind.MINIMUM, Binary.Kind.REMAINDER)) {
            for (int trial = 0; trial < 4; trial++) {
                Shape s = trial == 0 ? Shape.of(70_001) : randomShape(3, 40); // one shape big enough to run in parallel
                assertSame(both(new Binary(k), randomF32(s, true), randomF32(s, true)), k + " " + s);
            }
        }
    }

    @Test
    void unaryKernelsEqualTheReferenceBitForBitExceptVectorisedExpAndLog() {
        for (Unary.Kind k : Unary.Kind.values()) {
            if (k == Unary.Kind.NOT) continue;
            Shape s = randomShape(3, 50);
            HostTensor[] r = both(new Unary(k), randomF32(s, true));
            if (k == Unary.Kind.EXP || k == Unary.Kind.LOG) { // vectorised: within the stated bound
                float[] got = r[0].floats(), want = r[1].floats();
                for (int i = 0; i < got.length; i++) assertTrue(VectorMathTest.ulps(got[i], want[i]) <= VectorMathTest.BOUND_ULPS, k + " element " + i);
                HostTensor[] half = both(new Unary(k), randomF32(s, true).to(DType.BF16)); // rounded from within 2 f32 ulp: at most 1 bf16 ulp off
                float[] gotHalf = half[0].floats(), wantHalf = half[1].floats();
                for (int i = 0; i < gotHalf.length; i++) assertTrue(VectorMathTest.ulps(gotHalf[i], wantHalf[i]) <= 1L << 16, k + " bf16 element " + i);
            } else {
                assertSame(r, k + " " + s);
            }
        }
    }

    @Test
    void broadcastKernelsEqualTheReference() {
        for (int trial = 0; trial < 40; trial++) {
            Shape out = randomShape(4, 6);
            // a random increasing subset of the result dims, each kept or stretched from 1
            List<Integer> dims = new ArrayList<>();
            for (int d = 0; d < out.rank(); d++) if (random.nextBoolean()) dims.add(d);
            int[] dimArray = dims.stream().mapToInt(Integer::intValue).toArray();
            int[] in = new int[dimArray.length];
            for (int i = 0; i < in.length; i++) in[i] = random.nextInt(3) == 0 ? 1 : out.dim(dimArray[i]);
            HostTensor x = randomF32(Shape.of(in), false);
            assertSame(both(new BroadcastInDim(out, dimArray), x), "broadcast " + Arrays.toString(in) + " to " + out + " along " + dims);
            assertSame(both(new BroadcastInDim(out, dimArray), x.to(DType.BF16)), "bf16 broadcast to " + out);
        }
    }

    /**
     * A row sum of the kernel against the reference: both f64 sums rounded to f32, so they may differ by one f32 ulp
     * plus the f64 error bound of two summation orders of the row, 2 (n - 1) 2^-53 sum |x| (see {@link LaneSum}).
     */
    private static void assertRowSumsWithinBound(HostTensor[] r, HostTensor x, int rows, String what) {
        float[] got = r[0].floats(), want = r[1].floats(), v = x.floats();
        int len = v.length / Math.max(1, rows);
        for (int row = 0; row < rows; row++) {
            double abs = 0;
            for (int i = 0; i < len; i++) abs += Math.abs(v[row * len + i]);
            if (!Double.isFinite(abs) || !Float.isFinite(want[row]) || len <= 3) { // NaN, overflow, or the reference's order
                assertEquals(Float.floatToIntBits(want[row]), Float.floatToIntBits(got[row]), what + " row " + row);
                continue;
            }
            double bound = Math.ulp(want[row]) + 2.0 * (len - 1) * 0x1p-53 * abs;
            assertTrue(Math.abs((double) got[row] - want[row]) <= bound, what + " row " + row + ": " + got[row] + " vs " + want[row] + ", bound " + bound);
        }
    }

    @Test
    void transposesEqualTheReferenceBitForBit() {
        for (int trial = 0; trial < 60; trial++) {
            Shape s = trial == 0 ? Shape.of(300, 257) : trial == 1 ? Shape.of(3, 70, 2, 45) : randomShape(5, 9);
            List<Integer> order = new ArrayList<>();
            for (int d = 0; d < s.rank(); d++) order.add(d);
            java.util.Collections.shuffle(order, random);
            if (trial < 2) java.util.Collections.reverse(order);
            int[] perm = order.stream().mapToInt(Integer::intValue).toArray();
            HostTensor x = randomF32(s, true);
            for (HostTensor t : List.of(x, x.to(DType.BF16), x.to(DType.S32))) {
                HostTensor[] r = both(new monetj.core.ir.Transpose(perm), t);
                assertEquals(r[1].type(), r[0].type());
                assertTrue(r[0].contentEquals(r[1]), t.dtype() + " transpose " + Arrays.toString(perm) + " of " + s);
            }
        }
    }

    @Test
    void transposesOfNarrowMatricesEqualTheReferenceBitForBit() {
        // batches of 32 x 4 and 4 x 32 matrices (Monet's heads), rows gathered a vector at a time, several narrow rows per vector
        int[][][] cases = {{{8, 64, 32, 4}, {0, 1, 3, 2}}, {{8, 64, 4, 32}, {0, 1, 3, 2}}, {{8, 64, 4, 32}, {0, 2, 1, 3}}, {{5, 3, 17, 4}, {0, 1, 3, 2}},
            {{6, 8, 2}, {0, 2, 1}}, {{7, 5, 40}, {2, 1, 0}}, {{3, 33, 19}, {0, 2, 1}}, {{2, 4, 8, 3}, {3, 1, 2, 0}}};
        for (int[][] c : cases) {
            HostTensor x = randomF32(Shape.of(c[0]), true);
            HostTensor[] r = both(new monetj.core.ir.Transpose(c[1]), x);
            assertTrue(r[0].contentEquals(r[1]), "transpose " + Arrays.toString(c[1]) + " of " + x.shape());
        }
    }

    @Test
    void slicesPadsAndConcatenationsEqualTheReferenceBitForBit() {
        for (int trial = 0; trial < 60; trial++) {
            Shape s = trial == 0 ? Shape.of(8, 4, 64, 32) : randomShape(4, 12);
            int rank = s.rank();
            int[] start = new int[rank], limit = new int[rank], step = new int[rank], low = new int[rank], high = new int[rank], interior = new int[rank];
            for (int d = 0; d < rank; d++) {
                start[d] = trial == 0 ? (d == 3 ? 16 : 0) : random.nextInt(s.dim(d));
                limit[d] = start[d] + 1 + random.nextInt(s.dim(d) - start[d]);
                step[d] = trial == 0 ? 1 : 1 + random.nextInt(3);
                low[d] = random.nextInt(5) - 2; // negative edge padding cuts elements off
                high[d] = random.nextInt(5) - 2;
                interior[d] = random.nextInt(3) == 0 ? random.nextInt(3) : 0;
                if (s.dim(d) + low[d] + high[d] + (s.dim(d) - 1) * interior[d] < 0) low[d] = high[d] = 0;
            }
            HostTensor x = randomF32(s, true);
            assertSame(both(new monetj.core.ir.Slice(start, limit, step), x), "slice of " + s);
            for (float fill : new float[] {0f, -0f, 1.5f, Float.NaN}) {
                assertSame(both(new monetj.core.ir.Pad(low, high, interior), x, HostTensor.scalar(fill)), "pad of " + s + " with " + fill);
            }
            int dim = random.nextInt(rank);
            Shape other = s.with(dim, 1 + random.nextInt(20));
            assertSame(both(new monetj.core.ir.Concatenate(dim), x, randomF32(other, true), x), "concatenate along " + dim + " of " + s);
            HostTensor[] ints = both(new monetj.core.ir.Slice(start, limit, step), x.to(DType.S32)); // other dtypes: the reference itself
            assertTrue(ints[0].contentEquals(ints[1]), "s32 slice of " + s);
        }
    }

    @Test
    void rowSumsInLanesAreWithinTheirBoundOfTheReference() {
        for (int len : new int[] {1, 2, 3, 4, 7, 8, 9, 63, 1000, 100_003}) {
            for (boolean edges : new boolean[] {false, true}) {
                HostTensor x = randomF32(Shape.of(3, len), edges && len < 1000);
                assertRowSumsWithinBound(both(new Reduce(Reduce.Kind.SUM, new int[] {1}), x, HostTensor.scalar(0f)), x, 3, "rows of " + len);
            }
        }
        // cancellation: the bound is relative to sum |x|, not to the sum
        float[] v = new float[4096];
        for (int i = 0; i < v.length; i++) v[i] = (i % 2 == 0 ? 1 : -1) * (1e7f + i);
        HostTensor x = HostTensor.of(Shape.of(1, v.length), v);
        assertRowSumsWithinBound(both(new Reduce(Reduce.Kind.SUM, new int[] {1}), x, HostTensor.scalar(0f)), x, 1, "alternating signs");
    }

    @Test
    void reduceKernelsEqualTheReferenceBitForBitExceptRowSums() {
        for (int trial = 0; trial < 40; trial++) {
            Shape s = randomShape(4, 12);
            int r = s.rank(), count = 1 + random.nextInt(r);
            boolean leading = random.nextBoolean();
            int[] dims = new int[count];
            for (int i = 0; i < count; i++) dims[i] = leading ? i : r - count + i; // the kernel's two layouts
            if (trial % 5 == 0) dims = new int[] {random.nextInt(r)}; // and others, which fall back
            Reduce.Kind kind = Reduce.Kind.values()[trial % 3];
            HostTensor init = HostTensor.scalar(kind == Reduce.Kind.SUM ? 0f : kind == Reduce.Kind.MAX ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY);
            boolean rowSum = kind == Reduce.Kind.SUM && ReduceLayout.of(dims, r) == ReduceLayout.ROWS;
            int rows = (int) (s.size() / Arrays.stream(dims).map(s::dim).asLongStream().reduce(1, (a, b) -> a * b));
            HostTensor x = randomF32(s, trial % 2 == 0), half = randomF32(s, trial % 2 == 0).to(DType.BF16);
            HostTensor[] f32 = both(new Reduce(kind, dims), x, init), bf16 = both(new Reduce(kind, dims), half, init.to(DType.BF16));
            if (rowSum) {
                assertRowSumsWithinBound(f32, x, rows, "sum over " + Arrays.toString(dims) + " of " + s);
                assertRowSumsWithinBound(new HostTensor[] {bf16[0].to(DType.F32), bf16[1].to(DType.F32)}, half.to(DType.F32), rows, "bf16 sum of " + s);
                continue;
            }
            assertSame(f32, kind + " over " + Arrays.toString(dims) + " of " + s);
            assertSame(bf16, "bf16 " + kind + " of " + s);
        }
    }

    @Test
    void rowMaximaAndMinimaTakenAVectorAtATimeEqualTheReference() {
        // rows longer than a vector, ragged, with NaN, infinities and both zeros among the values
        for (int len : new int[] {15, 16, 17, 33, 100, 1000}) {
            for (Reduce.Kind kind : new Reduce.Kind[] {Reduce.Kind.MAX, Reduce.Kind.MIN}) {
                for (boolean edges : new boolean[] {false, true}) {
                    HostTensor init = HostTensor.scalar(kind == Reduce.Kind.MAX ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY);
                    assertSame(both(new Reduce(kind, new int[] {1}), randomF32(Shape.of(7, len), edges), init), kind + " of rows of " + len);
                }
            }
        }
        float[] zeros = new float[40];
        zeros[17] = -0f;
        zeros[3] = -0f;
        for (Reduce.Kind kind : new Reduce.Kind[] {Reduce.Kind.MAX, Reduce.Kind.MIN}) {
            HostTensor init = HostTensor.scalar(kind == Reduce.Kind.MAX ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY);
            assertSame(both(new Reduce(kind, new int[] {1}), HostTensor.of(Shape.of(2, 20), zeros), init), kind + " of signed zeros");
        }
    }

    @Test
    void dotKernelsAgreeWithTheReferenceToF32Accumulation() {
        for (int trial = 0; trial < 30; trial++) {
            int b = 1 + random.nextInt(3), m = 1 + random.nextInt(20), k = 1 + random.nextInt(70), n = 1 + random.nextInt(20);
            boolean lhsT = random.nextBoolean(), rhsT = random.nextBoolean();
            // every third trial in bf16 with an f32 result, as the mixed-precision policy multiplies
            boolean bf16 = trial % 3 == 2;
            HostTensor lhs = randomF32(lhsT ? Shape.of(b, k, m) : Shape.of(b, m, k), false);
            HostTensor rhs = randomF32(rhsT ? Shape.of(n, b, k) : Shape.of(b, k, n), false);
            if (bf16) {
                lhs = lhs.to(DType.BF16);
                rhs = rhs.to(DType.BF16);
            }
            DotGeneral op = new DotGeneral(new int[] {0}, new int[] {rhsT ? 1 : 0}, new int[] {lhsT ? 1 : 2}, new int[] {rhsT ? 2 : 1},
                    DotGeneral.Precision.DEFAULT, bf16 ? DType.F32 : null);
            HostTensor[] r = both(op, lhs, rhs);
            assertEquals(r[1].type(), r[0].type());
            float[] got = r[0].floats(), want = r[1].floats();
            for (int i = 0; i < got.length; i++) {
                // f32 accumulation of k products of values ~3 sigma: error within k ulps of the largest partial sum
                assertEquals(want[i], got[i], 1e-6 * k * 9 * Math.sqrt(k) + 1e-6 * Math.abs(want[i]), "element " + i + " of trial " + trial);
            }
        }
    }

    @Test
    void theIrPackageDoesNotDependOnTheExecutor() throws java.io.IOException {
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of("src/main/java/monetj/core/ir"))) {
            for (java.nio.file.Path f : files.toList()) {
                assertFalse(java.nio.file.Files.readString(f).contains("monetj.core.exec"), f + " refers to the executor package");
            }
        }
    }
}
