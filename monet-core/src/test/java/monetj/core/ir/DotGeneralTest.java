package monetj.core.ir;

import static monetj.core.testing.GraphTesting.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.Random;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;

/**
 * dot_general against its definition: out[batch, lhs free, rhs free] = sum over the contracting indices of
 * lhs * rhs, evaluated by explicit loops over every index. f32 results may differ from the f64 loops by the
 * f32 accumulation bound (k + 2) u sum|lhs||rhs| (u = 2^-24); f64 results by rounding only.
 */
class DotGeneralTest {
    private static final double U = Math.ulp(1f) / 2;
    private final Random rnd = new Random(5);

    /** One dimension-number configuration with operand shapes. */
    record Case(String name, int[] lhsShape, int[] rhsShape, int[] lhsBatch, int[] rhsBatch, int[] lhsContract, int[] rhsContract) {
        DotGeneral op() { return new DotGeneral(lhsBatch, rhsBatch, lhsContract, rhsContract, DotGeneral.Precision.DEFAULT, null); }
    }

    private static int[] d(int... v) { return v; }

    private static final Case[] CASES = {
        new Case("matrix product", d(7, 9), d(9, 5), d(), d(), d(1), d(0)),
        new Case("lhs transposed [K,M]x[K,N]", d(9, 7), d(9, 5), d(), d(), d(0), d(0)),
        new Case("rhs transposed [M,K]x[N,K]", d(7, 9), d(5, 9), d(), d(), d(1), d(1)),
        new Case("both transposed", d(9, 7), d(5, 9), d(), d(), d(0), d(1)),
        new Case("leading batch", d(3, 4, 6), d(3, 6, 5), d(0), d(0), d(2), d(1)),
        new Case("batch in the middle and last", d(4, 3, 6), d(6, 5, 3), d(1), d(2), d(2), d(0)),
        new Case("attention scores [B,T,H,D]x[B,S,H,D]", d(2, 5, 3, 4), d(2, 6, 3, 4), d(0, 2), d(0, 2), d(3), d(3)),
        new Case("two batch dims paired in swapped order", d(2, 3, 4, 5), d(3, 5, 2, 6), d(0, 1), d(2, 0), d(3), d(1)),
        new Case("two contracting dims", d(4, 3, 5), d(5, 6, 4), d(), d(), d(0, 2), d(2, 0)),
        new Case("contracting dims in reversed order", d(3, 4, 5), d(5, 4, 6), d(), d(), d(2, 1), d(0, 1)),
        new Case("free dims split by a contracting dim", d(3, 4, 5), d(4, 2), d(), d(), d(1), d(0)),
        new Case("outer product", d(3), d(4), d(), d(), d(), d()),
        new Case("batched outer product", d(3, 2), d(4, 2), d(1), d(1), d(), d()),
        new Case("vector dot product", d(11), d(11), d(), d(), d(0), d(0)),
        new Case("size-1 dims everywhere", d(1, 4, 1), d(1, 1, 4), d(0), d(1), d(1), d(2)),
        new Case("large enough to run in parallel", d(2, 90, 80), d(2, 100, 80), d(0), d(0), d(2), d(2)),
    };

    @Test
    void matrixProductByHand() {
        HostTensor a = f32(Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
        HostTensor b = f32(Shape.of(3, 2), 7, 8, 9, 10, 11, 12);
        HostTensor r = run1(p -> Tensor.apply(DotGeneral.contracting(1, 0), p.get(0), p.get(1)), a, b);
        assertEquals(Shape.of(2, 2), r.shape());
        assertArrayEquals(new float[] {58, 64, 139, 154}, r.floats());
    }

    @Test
    void f32DimensionNumbersMatchExplicitLoops() {
        for (Case c : CASES) {
            HostTensor lhs = random(DType.F32, c.lhsShape), rhs = random(DType.F32, c.rhsShape);
            HostTensor got = evaluate(c.op(), lhs, rhs);
            Reference ref = reference(c.op(), lhs, rhs);
            assertEquals(DType.F32, got.dtype(), c.name);
            assertEquals(ref.shape, got.shape(), c.name);
            int k = contractSize(c);
            for (int i = 0; i < ref.value.length; i++) {
                double bound = (k + 2) * U * ref.magnitude[i];
                assertTrue(Math.abs(got.getDouble(i) - ref.value[i]) <= bound,
                        c.name + ": element " + i + " is " + got.getDouble(i) + ", expected " + ref.value[i] + " within " + bound);
            }
        }
    }

    @Test
    void f64DimensionNumbersMatchExplicitLoops() {
        for (Case c : CASES) {
            HostTensor lhs = random(DType.F64, c.lhsShape), rhs = random(DType.F64, c.rhsShape);
            HostTensor got = evaluate(c.op(), lhs, rhs);
            Reference ref = reference(c.op(), lhs, rhs);
            assertEquals(DType.F64, got.dtype(), c.name);
            assertEquals(ref.shape, got.shape(), c.name);
            for (int i = 0; i < ref.value.length; i++) {
                assertEquals(ref.value[i], got.getDouble(i), 1e-13 * Math.max(1, ref.magnitude[i]), c.name + ": element " + i);
            }
        }
    }

    @Test
    void halfPrecisionOperandsAccumulateInF32() {
        // Small integers are exact in bf16 and f16, and so are their products and sums in f32.
        for (DType half : new DType[] {DType.BF16, DType.F16}) {
            Case c = CASES[6];
            HostTensor lhs = randomIntegers(half, c.lhsShape), rhs = randomIntegers(half, c.rhsShape);
            DotGeneral op = new DotGeneral(c.lhsBatch, c.rhsBatch, c.lhsContract, c.rhsContract, DotGeneral.Precision.DEFAULT, DType.F32);
            HostTensor got = evaluate(op, lhs, rhs);
            assertEquals(DType.F32, got.dtype(), half + " with preferred f32");
            assertArrayEquals(reference(op, lhs, rhs).value, got.doubles(), 0, half.toString());
            HostTensor same = evaluate(c.op(), lhs, rhs);
            assertEquals(half, same.dtype());
            assertArrayEquals(reference(op, lhs, rhs).value, same.doubles(), 0, half + " result");
        }
    }

    @Test
    void integerOperandsGiveExactIntegerResults() {
        Case c = CASES[8];
        HostTensor lhs = randomIntegers(DType.S32, c.lhsShape), rhs = randomIntegers(DType.S32, c.rhsShape);
        HostTensor got = evaluate(c.op(), lhs, rhs);
        assertEquals(DType.S32, got.dtype());
        assertArrayEquals(reference(c.op(), lhs, rhs).value, got.doubles(), 0);
    }

    @Test
    void preferredF64AccumulatesF32OperandsInF64() {
        // 2^24 + 1 is not an f32, so an f32 accumulator would lose the final 1.
        HostTensor a = f32(Shape.of(1, 2), 16777216f, 1f), b = f32(Shape.of(2, 1), 1f, 1f);
        DotGeneral op = new DotGeneral(d(), d(), d(1), d(0), DotGeneral.Precision.DEFAULT, DType.F64);
        HostTensor r = evaluate(op, a, b);
        assertEquals(DType.F64, r.dtype());
        assertEquals(16777217.0, r.getDouble(0));
    }

    @Test
    void emptyDimensions() {
        HostTensor zeroK = evaluate(DotGeneral.contracting(1, 0), HostTensor.zeros(DType.F32, Shape.of(2, 0)), HostTensor.zeros(DType.F32, Shape.of(0, 3)));
        assertEquals(Shape.of(2, 3), zeroK.shape());
        assertArrayEquals(new float[6], zeroK.floats());
        HostTensor zeroM = evaluate(DotGeneral.contracting(1, 0), HostTensor.zeros(DType.F32, Shape.of(0, 3)), random(DType.F32, d(3, 2)));
        assertEquals(Shape.of(0, 2), zeroM.shape());
    }

    @Test
    void badDimensionNumbersNameTheOpAndShapes() {
        var g = new Graph("bad");
        Value a = g.parameter("a", new monetj.core.tensor.TensorType(DType.F32, Shape.of(2, 3)));
        Value b = g.parameter("b", new monetj.core.tensor.TensorType(DType.F32, Shape.of(4, 5)));
        var e = assertThrows(ShapeException.class, () -> g.apply1(DotGeneral.contracting(1, 0), a, b));
        assertTrue(e.getMessage().startsWith("dot_general:") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 5]"), e.getMessage());
        var e2 = assertThrows(ShapeException.class, () -> g.apply1(new DotGeneral(d(0), d(0), d(1), d(1), DotGeneral.Precision.DEFAULT, null), a, b));
        assertTrue(e2.getMessage().contains("batch dimension"), e2.getMessage());
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        String[] chosen = {"matrix product", "lhs transposed [K,M]x[K,N]", "batch in the middle and last", "attention scores [B,T,H,D]x[B,S,H,D]",
                "two batch dims paired in swapped order", "two contracting dims", "contracting dims in reversed order", "batched outer product"};
        for (String name : chosen) {
            Case c = Arrays.stream(CASES).filter(x -> x.name.equals(name)).findFirst().orElseThrow();
            HostTensor lhs = randomF64(rnd, Shape.of(c.lhsShape)), rhs = randomF64(rnd, Shape.of(c.rhsShape));
            try {
                checkGradient(p -> Tensor.apply(c.op(), p.get(0), p.get(1)), lhs, rhs);
            } catch (AssertionError e) {
                throw new AssertionError(name + ": " + e.getMessage(), e);
            }
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static HostTensor evaluate(DotGeneral op, HostTensor lhs, HostTensor rhs) {
        return run1(p -> Tensor.apply(op, p.get(0), p.get(1)), lhs, rhs);
    }

    private HostTensor random(DType t, int[] shape) {
        Shape s = Shape.of(shape);
        double[] v = new double[s.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = rnd.nextDouble() * 2 - 1;
        return HostTensor.fromDoubles(t, s, v);
    }

    private HostTensor randomIntegers(DType t, int[] shape) {
        Shape s = Shape.of(shape);
        double[] v = new double[s.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = rnd.nextInt(9) - 4;
        return HostTensor.fromDoubles(t, s, v);
    }

    private static int contractSize(Case c) {
        int k = 1;
        for (int dim : c.lhsContract) k *= c.lhsShape[dim];
        return k;
    }

    /** Exact-as-f64 result of the definition and, per element, sum |lhs||rhs| for the error bound. */
    record Reference(Shape shape, double[] value, double[] magnitude) {}

    private static Reference reference(DotGeneral op, HostTensor lhs, HostTensor rhs) {
        Shape ls = lhs.shape(), rs = rhs.shape();
        int[] lf = DotGeneral.freeDims(ls.rank(), op.lhsBatch(), op.lhsContract());
        int[] rf = DotGeneral.freeDims(rs.rank(), op.rhsBatch(), op.rhsContract());
        // The result index space: batch dims, lhs free, rhs free; the summed space: contracting dims.
        int nb = op.lhsBatch().length;
        int[] outDims = new int[nb + lf.length + rf.length];
        for (int i = 0; i < nb; i++) outDims[i] = ls.dim(op.lhsBatch()[i]);
        for (int i = 0; i < lf.length; i++) outDims[nb + i] = ls.dim(lf[i]);
        for (int i = 0; i < rf.length; i++) outDims[nb + lf.length + i] = rs.dim(rf[i]);
        int[] sumDims = new int[op.lhsContract().length];
        for (int i = 0; i < sumDims.length; i++) sumDims[i] = ls.dim(op.lhsContract()[i]);
        Shape out = Shape.of(outDims);
        double[] value = new double[out.intSize()], magnitude = new double[value.length];
        double[] l = lhs.doubles(), r = rhs.doubles();
        int[] li = new int[ls.rank()], ri = new int[rs.rank()];
        for (int o = 0; o < value.length; o++) {
            int[] oi = unravel(o, outDims);
            for (int i = 0; i < nb; i++) {
                li[op.lhsBatch()[i]] = oi[i];
                ri[op.rhsBatch()[i]] = oi[i];
            }
            for (int i = 0; i < lf.length; i++) li[lf[i]] = oi[nb + i];
            for (int i = 0; i < rf.length; i++) ri[rf[i]] = oi[nb + lf.length + i];
            int sumSize = Shape.of(sumDims).intSize();
            for (int s = 0; s < sumSize; s++) {
                int[] si = unravel(s, sumDims);
                for (int i = 0; i < si.length; i++) {
                    li[op.lhsContract()[i]] = si[i];
                    ri[op.rhsContract()[i]] = si[i];
                }
                double x = l[ravel(li, ls)] * r[ravel(ri, rs)];
                value[o] += x;
                magnitude[o] += Math.abs(x);
            }
        }
        return new Reference(out, value, magnitude);
    }

    private static int[] unravel(int flat, int[] dims) {
        int[] idx = new int[dims.length];
        for (int i = dims.length - 1; i >= 0; i--) {
            idx[i] = flat % dims[i];
            flat /= dims[i];
        }
        return idx;
    }

    private static int ravel(int[] idx, Shape s) {
        int flat = 0;
        for (int i = 0; i < idx.length; i++) flat = flat * s.dim(i) + idx[i];
        return flat;
    }
}
