package monetj.core.ir;

import static monetj.core.testing.GraphTesting.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Random;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

class SortTest {
    private final Random rnd = new Random(17);

    @Test
    void ascendingSortIsStableAndCarriesOtherOperands() {
        HostTensor keys = f32(Shape.of(5), 3, 1, 2, 1, 1);
        List<HostTensor> r = run(p -> p.get(0).sort(0, false, p.get(0).positionsAlong(0)), keys);
        assertArrayEquals(new float[] {1, 1, 1, 2, 3}, r.get(0).floats());
        assertArrayEquals(new int[] {1, 3, 4, 2, 0}, r.get(1).ints());
    }

    @Test
    void descendingSortKeepsEqualKeysInOriginalOrder() {
        HostTensor keys = HostTensor.of(Shape.of(5), new int[] {1, 3, 3, 2, 3});
        HostTensor payload = HostTensor.of(Shape.of(5), new double[] {10, 11, 12, 13, 14});
        List<HostTensor> r = run(p -> p.get(0).sort(0, true, p.get(1)), keys, payload);
        assertArrayEquals(new int[] {3, 3, 3, 2, 1}, r.get(0).ints());
        assertArrayEquals(new double[] {11, 12, 14, 13, 10}, r.get(1).doubles());
    }

    @Test
    void sortsEveryLaneAlongTheChosenAxis() {
        HostTensor m = f32(Shape.of(3, 2), 5, 0, 1, 9, 3, 4);
        assertArrayEquals(new float[] {1, 0, 3, 4, 5, 9}, run1(p -> p.get(0).sort(0), m).floats());
        assertArrayEquals(new float[] {0, 5, 1, 9, 3, 4}, run1(p -> p.get(0).sort(-1), m).floats());
        HostTensor empty = f32(Shape.of(2, 0));
        assertEquals(Shape.of(2, 0), run1(p -> p.get(0).sort(1), empty).shape());
    }

    @Test
    void floatsSortInTotalOrder() {
        HostTensor x = f32(Shape.of(6), Float.NaN, 1, Float.NEGATIVE_INFINITY, 0f, -0f, -2);
        float[] r = run1(p -> p.get(0).sort(0), x).floats();
        assertArrayEquals(new float[] {Float.NEGATIVE_INFINITY, -2, -0f, 0f, 1, Float.NaN}, r);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(r[2]), "-0 sorts before +0");
        HostTensor b = f32(Shape.of(4), 0.5f, -3, 2, -0.25f);
        assertArrayEquals(new float[] {2, 0.5f, -0.25f, -3}, run1(p -> p.get(0).convert(DType.BF16).sort(0, true).get(0).convert(DType.F32), b).floats());
        HostTensor wide = HostTensor.of(Shape.of(3), new long[] {Long.MAX_VALUE, -5, Long.MIN_VALUE});
        assertArrayEquals(new long[] {Long.MIN_VALUE, -5, Long.MAX_VALUE}, run1(p -> p.get(0).sort(0), wide).longs());
    }

    @Test
    void topKGivesLargestValuesAndLowestIndexOnTies() {
        HostTensor x = f32(Shape.of(2, 4), 1, 5, 3, 5, 2, 0, 9, 4);
        List<HostTensor> r = run(p -> p.get(0).topK(2), x);
        assertEquals(Shape.of(2, 2), r.get(0).shape());
        assertArrayEquals(new float[] {5, 5, 9, 4}, r.get(0).floats());
        assertEquals(DType.S32, r.get(1).dtype());
        assertArrayEquals(new int[] {1, 3, 2, 3}, r.get(1).ints());
        assertEquals(Shape.of(2, 0), run(p -> p.get(0).topK(0), x).get(0).shape());
    }

    @Test
    void gradientsFollowThePermutation() {
        HostTensor x = randomF64(rnd, Shape.of(3, 5)), y = randomF64(rnd, Shape.of(3, 5));
        checkGradient(p -> p.get(0).sort(1), x);
        checkGradient(p -> p.get(0).sort(0, true).get(0), x);
        checkGradient(p -> {
            List<Tensor> s = p.get(0).sort(-1, true, p.get(1));
            return s.get(0).mul(s.get(1));
        }, x, y);
        checkGradient(p -> p.get(0).topK(2).get(0), x);
        HostTensor cube = randomF64(rnd, Shape.of(2, 3, 4));
        checkGradient(p -> p.get(0).sort(1, false).get(0), cube);
    }

    @Test
    void badSortsArePreciseErrors() {
        Graph g = new Graph("bad");
        Value x = g.parameter("x", TensorType.of(DType.F32, 3, 4)), y = g.parameter("y", TensorType.of(DType.F32, 4, 3));
        var shapes = assertThrows(ShapeException.class, () -> g.apply(new Sort(0, Compare.Direction.LT), List.of(x, y)));
        assertTrue(shapes.getMessage().startsWith("sort:") && shapes.getMessage().contains("f32[3, 4]") && shapes.getMessage().contains("f32[4, 3]"),
                shapes.getMessage());
        var dir = assertThrows(ShapeException.class, () -> g.apply(new Sort(0, Compare.Direction.EQ), List.of(x)));
        assertTrue(dir.getMessage().contains("LT (ascending) or GT (descending), got EQ"), dir.getMessage());
        var dim = assertThrows(ShapeException.class, () -> g.apply(new Sort(2, Compare.Direction.LT), List.of(x)));
        assertTrue(dim.getMessage().contains("dimension 2 out of range"), dim.getMessage());
        var k = assertThrows(IllegalArgumentException.class, () -> new Tensor(g, x).topK(5));
        assertTrue(k.getMessage().contains("k = 5") && k.getMessage().contains("f32[3, 4]"), k.getMessage());
    }
}
