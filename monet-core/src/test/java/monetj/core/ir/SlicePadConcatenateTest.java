package monetj.core.ir;

import static monetj.core.testing.GraphTesting.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

class SlicePadConcatenateTest {
    private final Random rnd = new Random(11);

    private static HostTensor counting(int... dims) {
        Shape s = Shape.of(dims);
        float[] v = new float[s.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = i;
        return HostTensor.of(s, v);
    }

    @Test
    void sliceTakesStridedElements() {
        // [[0 1 2 3] [4 5 6 7] [8 9 10 11]], rows 1..2, every second column
        HostTensor r = run1(p -> p.get(0).slice(new int[] {1, 0}, new int[] {3, 4}, new int[] {1, 2}), counting(3, 4));
        assertEquals(Shape.of(2, 2), r.shape());
        assertArrayEquals(new float[] {4, 6, 8, 10}, r.floats());
        // limit - start not a multiple of the stride: ceil(5 / 2) = 3 elements
        assertArrayEquals(new float[] {1, 3, 5}, run1(p -> p.get(0).slice(new int[] {1}, new int[] {6}, new int[] {2}), counting(7)).floats());
    }

    @Test
    void sliceAlongOneAxisTakesNegativeAxisAndBounds() {
        HostTensor r = run1(p -> p.get(0).slice(-1, 1, -1), counting(2, 4));
        assertArrayEquals(new float[] {1, 2, 5, 6}, r.floats());
        HostTensor rows = run1(p -> p.get(0).slice(0, -1, 3), counting(3, 2));
        assertArrayEquals(new float[] {4, 5}, rows.floats());
        HostTensor empty = run1(p -> p.get(0).slice(0, 2, 2), counting(3, 2));
        assertEquals(Shape.of(0, 2), empty.shape());
    }

    @Test
    void sliceKeepsIntegerAndBooleanElements() {
        HostTensor ints = HostTensor.of(Shape.of(5), new long[] {10, 11, 12, 13, 14});
        assertArrayEquals(new long[] {11, 13}, run1(p -> p.get(0).slice(new int[] {1}, new int[] {5}, new int[] {2}), ints).longs());
        HostTensor preds = HostTensor.ofPred(Shape.of(2, 2), new byte[] {1, 0, 0, 1});
        assertArrayEquals(new byte[] {0, 1}, run1(p -> p.get(0).slice(0, 1, 2), preds).preds());
    }

    @Test
    void padAddsEdgesAndInteriorAndCutsWithNegativeEdges() {
        // dim 0: [r0, p, r1] then one p before -> 4 rows; dim 1: drop first column, two p after -> 4 columns
        HostTensor r = run1(p -> p.get(0).pad(9, new int[] {1, -1}, new int[] {0, 2}, new int[] {1, 0}), counting(2, 3));
        assertEquals(Shape.of(4, 4), r.shape());
        assertArrayEquals(new float[] {9, 9, 9, 9, 1, 2, 9, 9, 9, 9, 9, 9, 4, 5, 9, 9}, r.floats());
        // a negative low edge that reaches into the interior padding
        HostTensor cut = run1(p -> p.get(0).pad(0, new int[] {-2}, new int[] {-1}, new int[] {2}), counting(3));
        assertArrayEquals(new float[] {0, 1, 0, 0}, cut.floats()); // [0 . . 1 . . 2] without 2 in front and 1 behind
    }

    @Test
    void padOfEmptyDimensionAndOneAxisHelper() {
        HostTensor empty = HostTensor.of(Shape.of(0, 2), new float[0]);
        HostTensor r = run1(p -> p.get(0).pad(7, new int[] {1, 0}, new int[] {1, 0}, new int[] {3, 0}), empty);
        assertEquals(Shape.of(2, 2), r.shape());
        assertArrayEquals(new float[] {7, 7, 7, 7}, r.floats());
        HostTensor ints = HostTensor.of(Shape.of(2), new int[] {5, 6});
        assertArrayEquals(new int[] {-1, 5, 6, -1, -1}, run1(p -> p.get(0).pad(-1, 1, 2, -1), ints).ints());
    }

    @Test
    void concatenateJoinsAlongAnAxis() {
        HostTensor a = f32(Shape.of(2, 1), 1, 2), b = f32(Shape.of(2, 2), 3, 4, 5, 6), none = f32(Shape.of(2, 0));
        HostTensor r = run1(p -> Tensor.concat(-1, p.get(0), p.get(2), p.get(1)), a, b, none);
        assertEquals(Shape.of(2, 3), r.shape());
        assertArrayEquals(new float[] {1, 3, 4, 2, 5, 6}, r.floats());
        HostTensor rows = run1(p -> Tensor.concat(0, p.get(0), p.get(1)), HostTensor.of(Shape.of(1, 2), new int[] {1, 2}), HostTensor.of(Shape.of(2, 2), new int[] {3, 4, 5, 6}));
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, rows.ints());
    }

    @Test
    void gradientsOfSlicePadConcatenate() {
        HostTensor x = randomF64(rnd, Shape.of(5, 7));
        checkGradient(p -> p.get(0).slice(new int[] {1, 2}, new int[] {5, 7}, new int[] {2, 3}), x);
        checkGradient(p -> p.get(0).slice(-1, 2, 6), x);
        checkGradient(p -> p.get(0).slice(0, 2, 2).sum(1), x); // empty slice: gradient is zero
        HostTensor value = f64(Shape.SCALAR, 0.5);
        checkGradient(p -> Tensor.apply(new Pad(new int[] {-1, 2}, new int[] {1, -3}, new int[] {1, 2}), p.get(0), p.get(1)), x, value);
        HostTensor y = randomF64(rnd, Shape.of(5, 2)), z = randomF64(rnd, Shape.of(5, 3));
        checkGradient(p -> Tensor.concat(1, p.get(0), p.get(1), p.get(2)), x, y, z);
    }

    @Test
    void gradientsOnRandomShapesAndParameters() {
        for (int trial = 0; trial < 6; trial++) {
            int rank = 1 + rnd.nextInt(3);
            int[] dims = new int[rank], start = new int[rank], limit = new int[rank], stride = new int[rank];
            int[] low = new int[rank], high = new int[rank], interior = new int[rank];
            for (int d = 0; d < rank; d++) {
                dims[d] = 2 + rnd.nextInt(3);
                start[d] = rnd.nextInt(dims[d] + 1);
                limit[d] = start[d] + rnd.nextInt(dims[d] - start[d] + 1);
                stride[d] = 1 + rnd.nextInt(3);
                interior[d] = rnd.nextInt(3);
                low[d] = rnd.nextInt(4) - 1; // cuts at most one element at each end of at least two: the size stays >= 0
                high[d] = rnd.nextInt(4) - 1;
            }
            HostTensor x = randomF64(rnd, Shape.of(dims)), value = f64(Shape.SCALAR, rnd.nextDouble());
            int axis = rnd.nextInt(rank);
            HostTensor other = randomF64(rnd, Shape.of(dims).with(axis, rnd.nextInt(3)));
            String what = "trial " + trial + " dims " + java.util.Arrays.toString(dims);
            assertDoesNotThrow(() -> {
                checkGradient(p -> p.get(0).slice(start, limit, stride), x);
                checkGradient(p -> Tensor.apply(new Pad(low, high, interior), p.get(0), p.get(1)), x, value);
                checkGradient(p -> Tensor.concat(axis, p.get(1), p.get(0)), x, other);
            }, what);
        }
    }

    @Test
    void badSlicesArePreciseErrors() {
        Graph g = new Graph("bad");
        Value x = g.parameter("x", TensorType.of(DType.F32, 3, 4));
        var e = assertThrows(ShapeException.class, () -> g.apply1(new Slice(new int[] {2, 0}, new int[] {1, 4}, new int[] {1, 1}), x));
        assertTrue(e.getMessage().startsWith("slice:") && e.getMessage().contains("f32[3, 4]") && e.getMessage().contains("dimension 0"), e.getMessage());
        var s = assertThrows(ShapeException.class, () -> g.apply1(new Slice(new int[] {0, 0}, new int[] {3, 4}, new int[] {1, 0}), x));
        assertTrue(s.getMessage().contains("stride 0"), s.getMessage());
        var r = assertThrows(ShapeException.class, () -> g.apply1(new Slice(new int[] {0}, new int[] {3}, new int[] {1}), x));
        assertTrue(r.getMessage().contains("one entry per operand dimension"), r.getMessage());
        Tensor t = new Tensor(g, x);
        var d = assertThrows(IllegalArgumentException.class, () -> t.slice(1, 2, 5));
        assertTrue(d.getMessage().contains("out of range") && d.getMessage().contains("f32[3, 4]"), d.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.slice(2, 0, 1));
    }

    @Test
    void badPadsAndConcatenationsArePreciseErrors() {
        Graph g = new Graph("bad");
        Tensor x = new Tensor(g, g.parameter("x", TensorType.of(DType.F32, 2, 3)));
        var e = assertThrows(ShapeException.class, () -> x.pad(0, new int[] {-2, 0}, new int[] {-1, 0}, new int[] {0, 0}));
        assertTrue(e.getMessage().startsWith("pad:") && e.getMessage().contains("removes more elements"), e.getMessage());
        var i = assertThrows(ShapeException.class, () -> x.pad(0, new int[] {0, 0}, new int[] {0, 0}, new int[] {-1, 0}));
        assertTrue(i.getMessage().contains("interior padding -1"), i.getMessage());
        Tensor s64 = Tensor.full(g, DType.F64, Shape.SCALAR, 0);
        var v = assertThrows(ShapeException.class, () -> Tensor.apply(new Pad(new int[2], new int[2], new int[2]), x, s64));
        assertTrue(v.getMessage().contains("padding value") && v.getMessage().contains("f64[]"), v.getMessage());
        Tensor y = new Tensor(g, g.parameter("y", TensorType.of(DType.F32, 3, 3)));
        var c = assertThrows(ShapeException.class, () -> Tensor.concat(1, x, y));
        assertTrue(c.getMessage().startsWith("concatenate:") && c.getMessage().contains("f32[2, 3]") && c.getMessage().contains("f32[3, 3]"), c.getMessage());
        Tensor z = new Tensor(g, g.parameter("z", TensorType.of(DType.S32, 2, 3)));
        var t = assertThrows(ShapeException.class, () -> Tensor.concat(0, x, z));
        assertTrue(t.getMessage().contains("same dtype"), t.getMessage());
    }
}
