package monetj.core.ir;

import static monetj.core.testing.GraphTesting.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;

class ShapeAndReduceOpsTest {
    private final Random rnd = new Random(11);
    private final HostTensor m23 = f32(Shape.of(2, 3), 1, 2, 3, 4, 5, 6);

    @Test
    void broadcastInDimMapsOperandDimensions() {
        // [3] -> [2,3] along dim 1; [2] -> [2,3] along dim 0; [2,1] stretches dim 1.
        assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3}, run1(p -> p.get(0).broadcastInDim(Shape.of(2, 3), 1), f32(Shape.of(3), 1, 2, 3)).floats());
        assertArrayEquals(new float[] {7, 7, 7, 8, 8, 8}, run1(p -> p.get(0).broadcastInDim(Shape.of(2, 3), 0), f32(Shape.of(2), 7, 8)).floats());
        assertArrayEquals(new float[] {7, 7, 7, 8, 8, 8}, run1(p -> p.get(0).broadcastInDim(Shape.of(2, 3), 0, 1), f32(Shape.of(2, 1), 7, 8)).floats());
        assertEquals(Shape.of(2, 0), run1(p -> p.get(0).broadcastInDim(Shape.of(2, 0), 0), f32(Shape.of(2), 7, 8)).shape());
        var e = assertThrows(ShapeException.class, () -> run1(p -> p.get(0).broadcastInDim(Shape.of(2, 4), 1), f32(Shape.of(3), 1, 2, 3)));
        assertTrue(e.getMessage().startsWith("broadcast_in_dim:") && e.getMessage().contains("f32[3]"), e.getMessage());
    }

    @Test
    void transposeAndReshape() {
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, run1(p -> p.get(0).transpose(1, 0), m23).floats());
        HostTensor t = run1(p -> p.get(0).reshape(3, 1, 2).transpose(2, 0, 1), m23);
        assertEquals(Shape.of(2, 3, 1), t.shape());
        assertArrayEquals(new float[] {1, 3, 5, 2, 4, 6}, t.floats());
        assertEquals(Shape.of(6), run1(p -> p.get(0).reshape(-1), m23).shape());
        var e = assertThrows(IllegalArgumentException.class, () -> run1(p -> p.get(0).reshape(4, -1), m23));
        assertTrue(e.getMessage().contains("[4, -1]"), e.getMessage());
        var e2 = assertThrows(ShapeException.class, () -> run1(p -> p.get(0).transpose(0, 0), m23));
        assertTrue(e2.getMessage().startsWith("transpose:"), e2.getMessage());
    }

    @Test
    void reductionsWithInitValuesAndNegativeAxes() {
        assertArrayEquals(new float[] {6, 15}, run1(p -> p.get(0).sum(-1), m23).floats());
        assertArrayEquals(new float[] {4, 5, 6}, run1(p -> p.get(0).max(0), m23).floats());
        assertArrayEquals(new float[] {1}, new float[] {run1(p -> p.get(0).min(), m23).floats()[0]});
        assertArrayEquals(new float[] {3.5f}, new float[] {run1(p -> p.get(0).mean(0, 1), m23).floats()[0]});
        // An explicit init value takes part: reduce(sum) with init 10 over an empty dimension gives 10.
        HostTensor empty = HostTensor.zeros(DType.F32, Shape.of(2, 0));
        HostTensor r = run1(p -> Tensor.apply(new Reduce(Reduce.Kind.SUM, new int[] {1}), p.get(0), p.get(0).scalar(10)), empty);
        assertArrayEquals(new float[] {10, 10}, r.floats());
        assertArrayEquals(new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, run1(p -> p.get(0).max(1), empty).floats());
        HostTensor ints = HostTensor.of(Shape.of(2, 2), new long[] {1L << 40, 1, 2, 3});
        assertArrayEquals(new long[] {(1L << 40) + 1, 5}, run1(p -> p.get(0).sum(1), ints).longs());
        var e = assertThrows(IllegalArgumentException.class, () -> run1(p -> p.get(0).sum(1, -1), m23));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void gradients() {
        HostTensor x = randomF64(rnd, Shape.of(2, 3, 4));
        checkGradient(p -> p.get(0).transpose(2, 0, 1), x);
        checkGradient(p -> p.get(0).reshape(6, 4), x);
        checkGradient(p -> p.get(0).sum(0, 2), x);
        checkGradient(p -> p.get(0).max(1), x);
        checkGradient(p -> p.get(0).min(-1), x);
        checkGradient(p -> p.get(0).mean(), x);
        checkGradient(p -> p.get(0).broadcastInDim(Shape.of(5, 2, 3, 4), 1, 2, 3), x);
        checkGradient(p -> p.get(0).broadcastInDim(Shape.of(2, 3, 4), 0, 1, 2), randomF64(rnd, Shape.of(2, 1, 4)));
    }

    @Test
    void maxGradientSharesTiesEvenly() {
        HostTensor x = f64(Shape.of(4), 1, 3, 3, 2);
        HostTensor g = run1(p -> monetj.core.autodiff.Autodiff.grad(p.get(0).max(), java.util.List.of(p.get(0))).get(0), x);
        assertArrayEquals(new double[] {0, 0.5, 0.5, 0}, g.doubles());
    }
}
