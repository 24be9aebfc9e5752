package monetj.core.ir;

import static monetj.core.testing.GraphTesting.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Random;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;

class ElementwiseOpsTest {
    private final Random rnd = new Random(7);

    @Test
    void arithmeticBroadcastsTrailingDimensions() {
        HostTensor a = f32(Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
        HostTensor b = f32(Shape.of(3), 10, 20, 30);
        HostTensor r = run1(p -> p.get(0).add(p.get(1)).mul(2.0), a, b);
        assertArrayEquals(new float[] {22, 44, 66, 28, 50, 72}, r.floats());
        HostTensor col = f32(Shape.of(2, 1), 1, -1);
        assertArrayEquals(new float[] {1, 2, 3, -4, -5, -6}, run1(p -> p.get(0).mul(p.get(1)), a, col).floats());
    }

    @Test
    void unaryKernelsMatchJavaMath() {
        HostTensor x = f32(Shape.of(4), 0.5f, 1f, 2f, 3f);
        assertArrayEquals(new float[] {(float) Math.exp(0.5), (float) Math.exp(1), (float) Math.exp(2), (float) Math.exp(3)}, run1(p -> p.get(0).exp(), x).floats());
        assertArrayEquals(new float[] {(float) (1 / Math.sqrt(0.5)), 1f, (float) (1 / Math.sqrt(2)), (float) (1 / Math.sqrt(3))}, run1(p -> p.get(0).rsqrt(), x).floats());
        assertArrayEquals(new float[] {(float) Math.log1p(0.5), (float) Math.log1p(1), (float) Math.log1p(2), (float) Math.log1p(3)}, run1(p -> p.get(0).log1p(), x).floats());
        HostTensor s = f32(Shape.of(3), -2f, 0f, 3f);
        assertArrayEquals(new float[] {-1, 0, 1}, run1(p -> p.get(0).sign(), s).floats());
        assertArrayEquals(new float[] {0, 0, 3}, run1(p -> p.get(0).relu(), s).floats());
    }

    @Test
    void integerDivisionByZeroGivesMinusOneAsXla() {
        HostTensor a = HostTensor.of(Shape.of(3), new int[] {7, -7, 5});
        HostTensor b = HostTensor.of(Shape.of(3), new int[] {2, 2, 0});
        assertArrayEquals(new int[] {3, -3, -1}, run1(p -> p.get(0).div(p.get(1)), a, b).ints());
    }

    @Test
    void integerArithmeticWrapsAsXla() {
        HostTensor big = HostTensor.of(Shape.of(2), new int[] {65536, Integer.MIN_VALUE});
        HostTensor other = HostTensor.of(Shape.of(2), new int[] {65536, -1});
        assertArrayEquals(new int[] {0, Integer.MIN_VALUE}, run1(p -> p.get(0).mul(p.get(1)), big, other).ints());
        HostTensor max = HostTensor.of(Shape.of(4), new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE});
        assertEquals(-4, run1(p -> p.get(0).sum(), max).ints()[0]);
        HostTensor wide = HostTensor.of(Shape.of(1), new long[] {(1L << 32) + 5});
        assertEquals(5, run1(p -> p.get(0).convert(DType.S32), wide).ints()[0]);
    }

    /** StableHLO's shifts: bit patterns as they are, amounts outside [0, width) give 0 (logical) or the sign fill. */
    @Test
    void shiftsTreatBitPatternsAsStableHloDoes() {
        HostTensor x = HostTensor.of(Shape.of(5), new int[] {0x80000001, 0x80000001, 0x80000001, 1, -8});
        HostTensor by = HostTensor.of(Shape.of(5), new int[] {1, 31, 32, -1, 1});
        assertArrayEquals(new int[] {2, 0x80000000, 0, 0, -16}, run1(p -> p.get(0).shiftLeft(p.get(1)), x, by).ints());
        assertArrayEquals(new int[] {0x40000000, 1, 0, 0, 0x7ffffffc}, run1(p -> p.get(0).shiftRightLogical(p.get(1)), x, by).ints());
        assertArrayEquals(new int[] {0xc0000000, -1, -1, 0, -4}, run1(p -> Tensor.apply(new Shift(Shift.Kind.RIGHT_ARITHMETIC), p.get(0), p.get(1)), x, by).ints());
        HostTensor wide = HostTensor.of(Shape.of(2), new long[] {0x8000000000000000L, 0x123456789L});
        HostTensor by32 = HostTensor.of(Shape.of(2), new long[] {32, 32});
        assertArrayEquals(new long[] {0x80000000L, 1}, run1(p -> p.get(0).shiftRightLogical(p.get(1)), wide, by32).longs());
        assertThrows(ShapeException.class, () -> run1(p -> p.get(0).shiftLeft(p.get(0)), f32(Shape.of(1), 1)));
    }

    @Test
    void bitcastReinterpretsTheBits() {
        HostTensor bits = HostTensor.of(Shape.of(3), new int[] {0x3f800000, 0xbfc00000, 0x7f800000});
        assertArrayEquals(new float[] {1f, -1.5f, Float.POSITIVE_INFINITY}, run1(p -> p.get(0).bitcastConvert(DType.F32), bits).floats());
        HostTensor back = run1(p -> p.get(0).bitcastConvert(DType.F32).bitcastConvert(DType.S32), bits);
        assertArrayEquals(bits.ints(), back.ints());
        assertThrows(ShapeException.class, () -> run1(p -> p.get(0).bitcastConvert(DType.F64), bits));
    }

    @Test
    void compareSelectAndClamp() {
        HostTensor x = f32(Shape.of(4), -1, 0, 1, Float.NaN);
        HostTensor gt = run1(p -> p.get(0).gt(0.0), x);
        assertEquals(DType.PRED, gt.dtype());
        assertArrayEquals(new byte[] {0, 0, 1, 0}, gt.preds());
        assertArrayEquals(new byte[] {1, 1, 1, 1}, run1(p -> p.get(0).ne(p.get(0)).or(p.get(0).le(1.0)), x).preds());
        assertArrayEquals(new float[] {5, 5, 1, 5}, run1(p -> p.get(0).gt(0.0).where(p.get(0), p.get(0).onesLike().mul(5.0)), x).floats());
        HostTensor y = f32(Shape.of(3), -3, 0.25f, 9);
        assertArrayEquals(new float[] {-1, 0.25f, 1}, run1(p -> p.get(0).clamp(-1, 1), y).floats());
    }

    @Test
    void convertRoundsToBf16NearestEven() {
        // 1 + 2^-8 is exactly between two bf16 values: ties go to the even mantissa (1.0).
        HostTensor x = f32(Shape.of(3), 1f + 1f / 256, 1f + 3f / 256, -2.5f);
        HostTensor r = run1(p -> p.get(0).convert(DType.BF16).convert(DType.F32), x);
        assertArrayEquals(new float[] {1f, 1f + 4f / 256, -2.5f}, r.floats());
        HostTensor i = run1(p -> p.get(0).convert(DType.S32), f32(Shape.of(2), -2.7f, 2.7f));
        assertArrayEquals(new int[] {-2, 2}, i.ints());
    }

    @Test
    void mismatchedTypesAreRefusedByName() {
        HostTensor a = f32(Shape.of(2), 1, 2);
        HostTensor b = HostTensor.of(Shape.of(2), new int[] {1, 2});
        var e = assertThrows(IllegalArgumentException.class, () -> run1(p -> p.get(0).add(p.get(1)), a, b));
        assertTrue(e.getMessage().contains("f32[2]") && e.getMessage().contains("s32[2]"), e.getMessage());
        HostTensor c = f32(Shape.of(3), 1, 2, 3);
        var e2 = assertThrows(IllegalArgumentException.class, () -> run1(p -> p.get(0).add(p.get(1)), a, c));
        assertTrue(e2.getMessage().contains("[2]") && e2.getMessage().contains("[3]"), e2.getMessage());
        Graph g = new Graph("raw");
        Value x = g.parameter("x", a.type()), y = g.parameter("y", c.type());
        var e3 = assertThrows(ShapeException.class, () -> g.apply1(new Binary(Binary.Kind.ADD), x, y));
        assertTrue(e3.getMessage().startsWith("add:") && e3.getMessage().contains("f32[2]") && e3.getMessage().contains("f32[3]"), e3.getMessage());
    }

    /** A random shape of rank 0 to 3 with sizes 1 to 4. */
    private Shape randomShape() {
        int[] d = new int[rnd.nextInt(4)];
        for (int i = 0; i < d.length; i++) d[i] = 1 + rnd.nextInt(4);
        return Shape.of(d);
    }

    @Test
    void unaryGradientsOnRandomShapes() {
        for (int trial = 0; trial < 4; trial++) unaryGradients(randomShape());
    }

    private void unaryGradients(Shape shape) {
        HostTensor pos = randomF64(rnd, shape, 0.2, 2.0);
        HostTensor any = randomF64(rnd, shape);
        for (Unary.Kind k : List.of(Unary.Kind.LOG, Unary.Kind.SQRT, Unary.Kind.RSQRT, Unary.Kind.LOG1P)) {
            checkGradient(p -> Tensor.apply(new Unary(k), p.get(0)), pos);
        }
        for (Unary.Kind k : List.of(Unary.Kind.NEGATE, Unary.Kind.ABS, Unary.Kind.EXP, Unary.Kind.TANH, Unary.Kind.LOGISTIC,
                Unary.Kind.SINE, Unary.Kind.COSINE)) {
            checkGradient(p -> Tensor.apply(new Unary(k), p.get(0)), any);
        }
    }

    @Test
    void binaryGradientsOnRandomShapesIncludingBroadcast() {
        for (int trial = 0; trial < 4; trial++) {
            Shape s = randomShape();
            HostTensor a = randomF64(rnd, s, 0.5, 2), b = randomF64(rnd, s.rank() == 0 ? s : Shape.of(s.dim(-1)), 0.5, 2);
            checkGradient(p -> p.get(0).mul(p.get(1)).add(p.get(1)).div(p.get(0).pow(p.get(1))), a, b);
        }
        HostTensor a = randomF64(rnd, Shape.of(3, 4), 0.5, 2), b = randomF64(rnd, Shape.of(4), 0.5, 2);
        checkGradient(p -> p.get(0).add(p.get(1)), a, b);
        checkGradient(p -> p.get(0).sub(p.get(1)), a, b);
        checkGradient(p -> p.get(0).mul(p.get(1)), a, b);
        checkGradient(p -> p.get(0).div(p.get(1)), a, b);
        checkGradient(p -> p.get(0).pow(p.get(1)), a, b);
        HostTensor c = randomF64(rnd, Shape.of(3, 4));
        checkGradient(p -> p.get(0).maximum(p.get(1)), a, c);
        checkGradient(p -> p.get(0).minimum(p.get(1)), a, c);
        checkGradient(p -> p.get(1).gt(0.0).where(p.get(0), p.get(1)), a, c);
        checkGradient(p -> p.get(0).clamp(-0.3, 0.4), c);
    }

    @Test
    void convertPassesTheGradientBackInTheOperandDtype() {
        // Finite differences through f32 rounding are noise, so check the rule exactly: d sum(3 * f32(x)) / dx = 3.
        HostTensor x = randomF64(rnd, Shape.of(5));
        HostTensor g = run1(p -> monetj.core.autodiff.Autodiff.grad(p.get(0).convert(DType.F32).mul(3.0).sum(), List.of(p.get(0))).get(0), x);
        assertEquals(DType.F64, g.dtype());
        assertArrayEquals(new double[] {3, 3, 3, 3, 3}, g.doubles());
    }
}
