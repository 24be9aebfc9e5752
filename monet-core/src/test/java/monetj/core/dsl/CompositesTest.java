package monetj.core.dsl;

import static monetj.core.testing.GraphTesting.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Random;
import monetj.core.autodiff.Autodiff;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;

class CompositesTest {
    private final Random rnd = new Random(5);

    @Test
    void softmaxOfHandCheckedRow() {
        HostTensor x = f64(Shape.of(2, 3), 0, Math.log(2), Math.log(5), 1, 1, 1);
        assertClose(new double[] {0.125, 0.25, 0.625, 1 / 3.0, 1 / 3.0, 1 / 3.0}, run1(p -> p.get(0).softmax(-1), x).doubles(), 1e-15);
        assertClose(new double[] {Math.log(8), 1 + Math.log(3)}, run1(p -> p.get(0).logsumexp(1), x).doubles(), 1e-15);
        assertClose(new double[] {-Math.log(8), Math.log(2) - Math.log(8), Math.log(5) - Math.log(8), -Math.log(3), -Math.log(3), -Math.log(3)},
                run1(p -> p.get(0).logSoftmax(1), x).doubles(), 1e-15);
        HostTensor col = run1(p -> p.get(0).softmax(0), x);
        assertClose(new double[] {1 / (1 + Math.E), 2 / (2 + Math.E), 5 / (5 + Math.E)}, java.util.Arrays.copyOf(col.doubles(), 3), 1e-15);
    }

    @Test
    void largeLogitsStayFinite() {
        HostTensor x = f32(Shape.of(3), 1000f, 1000f, -1000f);
        assertArrayEquals(new float[] {0.5f, 0.5f, 0f}, run1(p -> p.get(0).softmax(0), x).floats());
        assertEquals(1000 + Math.log(2), run1(p -> p.get(0).logsumexp(), x).getDouble(0), 1e-3);
        HostTensor allMasked = f32(Shape.of(2), Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY);
        assertEquals(Double.NEGATIVE_INFINITY, run1(p -> p.get(0).logsumexp(), allMasked).getDouble(0));
        HostTensor partlyMasked = f32(Shape.of(2), Float.NEGATIVE_INFINITY, 3f);
        assertArrayEquals(new float[] {0f, 1f}, run1(p -> p.get(0).softmax(0), partlyMasked).floats());
    }

    @Test
    void varianceBiasedAndUnbiased() {
        HostTensor x = f64(Shape.of(2, 4), 1, 2, 3, 4, 2, 2, 2, 10);
        assertClose(new double[] {1.25, 12}, run1(p -> p.get(0).var(1), x).doubles(), 1e-15);
        assertClose(new double[] {5 / 3.0, 16}, run1(p -> p.get(0).var(true, 1), x).doubles(), 1e-15);
        assertClose(new double[] {0.25, 0, 0.25, 9}, run1(p -> p.get(0).var(0), x).doubles(), 1e-15);
        double mean = 26 / 8.0, ss = 0;
        for (double v : x.doubles()) ss += (v - mean) * (v - mean);
        assertEquals(ss / 8, run1(p -> p.get(0).var(), x).getDouble(0), 1e-14);
        var e = assertThrows(IllegalArgumentException.class, () -> run1(p -> p.get(0).var(true, 0), f64(Shape.of(1, 3), 1, 2, 3)));
        assertTrue(e.getMessage().contains("at least 2 elements"), e.getMessage());
    }

    @Test
    void oneHotFromIota() {
        HostTensor labels = HostTensor.of(Shape.of(2, 2), new int[] {0, 2, 3, -1});
        HostTensor h = run1(p -> p.get(0).oneHot(3, DType.F32), labels);
        assertEquals(Shape.of(2, 2, 3), h.shape());
        assertArrayEquals(new float[] {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}, h.floats());
        HostTensor i = run1(p -> Tensor.iota(p.get(0).graph(), DType.S64, Shape.of(2, 3), 0), labels);
        assertArrayEquals(new long[] {0, 0, 0, 1, 1, 1}, i.longs());
        var e = assertThrows(IllegalArgumentException.class, () -> run1(p -> p.get(0).oneHot(3, DType.F32), f32(Shape.of(1), 1)));
        assertTrue(e.getMessage().contains("integer class indices") && e.getMessage().contains("f32[1]"), e.getMessage());
    }

    @Test
    void crossEntropyOfHandCheckedLogits() {
        // row 0: uniform over 4 classes gives log 4; row 1: logits (0, ln 3, 0, 0), label 1: -log(3/6)
        HostTensor logits = f64(Shape.of(2, 4), 0, 0, 0, 0, 0, Math.log(3), 0, 0);
        HostTensor labels = HostTensor.of(Shape.of(2), new int[] {2, 1});
        assertClose(new double[] {Math.log(4), Math.log(2)}, run1(p -> p.get(0).crossEntropyPerPosition(p.get(1)), logits, labels).doubles(), 1e-15);
        assertEquals((Math.log(4) + Math.log(2)) / 2, run1(p -> p.get(0).crossEntropy(p.get(1)), logits, labels).getDouble(0), 1e-15);
        HostTensor mask = HostTensor.ofPred(Shape.of(2), new byte[] {0, 1});
        assertEquals(Math.log(2), run1(p -> p.get(0).crossEntropy(p.get(1), p.get(2)), logits, labels, mask).getDouble(0), 1e-15);
        HostTensor padded = f64(Shape.of(2, 4), Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY,
                0, Math.log(3), 0, 0);
        assertEquals(Math.log(2), run1(p -> p.get(0).crossEntropy(p.get(1), p.get(2)), padded, labels, mask).getDouble(0), 1e-15, "masked -inf row");
        // ... and its gradient: zero on the masked row (not 0/0 = NaN), softmax - onehot on the other.
        HostTensor g = run1(p -> monetj.core.autodiff.Autodiff.grad(p.get(0).crossEntropy(p.get(1), p.get(2)), java.util.List.of(p.get(0))).get(0),
                padded, labels, mask);
        assertClose(new double[] {0, 0, 0, 0, 1.0 / 6, 3.0 / 6 - 1, 1.0 / 6, 1.0 / 6}, g.doubles(), 1e-15);
        HostTensor none = HostTensor.ofPred(Shape.of(2), new byte[] {0, 0});
        assertEquals(0, run1(p -> p.get(0).crossEntropy(p.get(1), p.get(2)), logits, labels, none).getDouble(0));
    }

    @Test
    void crossEntropyIgnoresMinusInfinityLogitsOfOtherClasses() {
        HostTensor logits = f32(Shape.of(1, 3), Float.NEGATIVE_INFINITY, 0f, 0f);
        HostTensor labels = HostTensor.of(Shape.of(1), new int[] {2});
        assertEquals(Math.log(2), run1(p -> p.get(0).crossEntropy(p.get(1)), logits, labels).getDouble(0), 1e-6);
    }

    @Test
    void crossEntropyRefusesMismatchedLabels() {
        HostTensor logits = f32(Shape.of(2, 4), new float[8]);
        var e = assertThrows(IllegalArgumentException.class,
                () -> run1(p -> p.get(0).crossEntropy(p.get(1)), logits, HostTensor.of(Shape.of(3), new int[3])));
        assertTrue(e.getMessage().contains("s32[3]") && e.getMessage().contains("f32[2, 4]") && e.getMessage().contains("[2]"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> run1(p -> p.get(0).crossEntropy(p.get(1)), logits, f32(Shape.of(2), 0, 1)));
        assertTrue(e2.getMessage().contains("integer labels"), e2.getMessage());
    }

    @Test
    void gradientsOfComposites() {
        HostTensor x = randomF64(rnd, Shape.of(3, 5), -3, 3);
        checkGradient(p -> p.get(0).softmax(1), x);
        checkGradient(p -> p.get(0).softmax(0), x);
        checkGradient(p -> p.get(0).logSoftmax(-1), x);
        checkGradient(p -> p.get(0).logsumexp(1), x);
        checkGradient(p -> p.get(0).logsumexp(), x);
        checkGradient(p -> p.get(0).var(0), x);
        checkGradient(p -> p.get(0).var(true, 0, 1), x);
        HostTensor labels = HostTensor.of(Shape.of(3), new int[] {4, 0, 2});
        checkGradient(p -> p.get(0).crossEntropy(p.get(1)), x, labels);
        HostTensor mask = HostTensor.ofPred(Shape.of(3), new byte[] {1, 0, 1});
        checkGradient(p -> p.get(0).crossEntropy(p.get(1), p.get(2)), x, labels, mask);
    }

    @Test
    void crossEntropyGradientIsSoftmaxMinusOneHot() {
        HostTensor x = randomF64(rnd, Shape.of(2, 3), -2, 2);
        HostTensor labels = HostTensor.of(Shape.of(2), new int[] {1, 2});
        List<HostTensor> r = run(p -> List.of(p.get(0).softmax(1), Autodiff.grad(p.get(0).crossEntropy(p.get(1)), List.of(p.get(0))).get(0)), x, labels);
        double[] s = r.get(0).doubles(), g = r.get(1).doubles();
        for (int i = 0; i < 6; i++) {
            double oneHot = (i == 1 || i == 5) ? 1 : 0;
            assertEquals((s[i] - oneHot) / 2, g[i], 1e-14);
        }
    }

    @Test
    void stopGradientCutsTheGradient() {
        HostTensor x = f64(Shape.of(2), 1.5, -2);
        HostTensor g = run1(p -> {
            Tensor v = p.get(0);
            return Autodiff.grad(v.mul(v.stopGradient()).sum(), List.of(v)).get(0);
        }, x);
        assertArrayEquals(new double[] {1.5, -2}, g.doubles());
    }
}
