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

class DynamicSliceTest {
    private final Random rnd = new Random(5);

    /** [[0 1 2 3 4] [5 6 7 8 9] [10 11 12 13 14] [15 16 17 18 19]] */
    private static final HostTensor GRID = HostTensor.of(Shape.of(4, 5), new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19});

    private static HostTensor s32(int v) { return HostTensor.scalar(v); }

    private static HostTensor s64(long v) { return HostTensor.of(Shape.SCALAR, new long[] {v}); }

    @Test
    void dynamicSliceReadsTheBlockAtTheStarts() {
        HostTensor r = run1(p -> p.get(0).dynamicSlice(List.of(p.get(1), p.get(2)), 2, 2), GRID, s32(1), s32(2));
        assertEquals(Shape.of(2, 2), r.shape());
        assertArrayEquals(new float[] {7, 8, 12, 13}, r.floats());
        HostTensor col = run1(p -> p.get(0).dynamicSlice(-1, p.get(1), 3), GRID, s64(1));
        assertArrayEquals(new float[] {1, 2, 3, 6, 7, 8, 11, 12, 13, 16, 17, 18}, col.floats());
    }

    @Test
    void dynamicSliceClampsStartsSoTheBlockFits() {
        // row start 3 clamps to 4 - 2 = 2, column start -2 clamps to 0
        HostTensor r = run1(p -> p.get(0).dynamicSlice(List.of(p.get(1), p.get(2)), 2, 2), GRID, s32(3), s32(-2));
        assertArrayEquals(new float[] {10, 11, 15, 16}, r.floats());
        HostTensor far = run1(p -> p.get(0).dynamicSlice(0, p.get(1), 1), GRID, s64(Long.MAX_VALUE));
        assertArrayEquals(new float[] {15, 16, 17, 18, 19}, far.floats());
        HostTensor none = run1(p -> p.get(0).dynamicSlice(0, p.get(1), 0), GRID, s32(9));
        assertEquals(Shape.of(0, 5), none.shape());
    }

    @Test
    void dynamicUpdateSliceWritesTheBlockClamped() {
        HostTensor update = f32(Shape.of(2, 2), -1, -2, -3, -4);
        HostTensor r = run1(p -> p.get(0).dynamicUpdateSlice(p.get(1), List.of(p.get(2), p.get(3))), GRID, update, s32(1), s32(7));
        // column start 7 clamps to 5 - 2 = 3
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7, -1, -2, 10, 11, 12, -3, -4, 15, 16, 17, 18, 19}, r.floats());
        HostTensor ints = HostTensor.of(Shape.of(4), new int[] {1, 2, 3, 4});
        HostTensor row = HostTensor.of(Shape.of(2), new int[] {8, 9});
        assertArrayEquals(new int[] {8, 9, 3, 4}, run1(p -> p.get(0).dynamicUpdateSlice(0, p.get(2), p.get(1)), ints, row, s32(-5)).ints());
        for (int i = 0; i < 20; i++) assertEquals(i, GRID.floats()[i]); // operands are never modified
    }

    @Test
    void gradientsFlowThroughTheClampedBlock() {
        HostTensor x = randomF64(rnd, Shape.of(4, 5)), u = randomF64(rnd, Shape.of(2, 3));
        checkGradient(p -> p.get(0).dynamicSlice(List.of(p.get(1), p.get(2)), 2, 3), x, s32(1), s32(1));
        checkGradient(p -> p.get(0).dynamicSlice(List.of(p.get(1), p.get(2)), 2, 3), x, s32(-4), s32(9));
        checkGradient(p -> p.get(0).dynamicUpdateSlice(p.get(1), List.of(p.get(2), p.get(3))), x, u, s32(3), s32(1));
        checkGradient(p -> p.get(0).dynamicUpdateSlice(p.get(1), List.of(p.get(2), p.get(3))).square(), x, u, s64(0), s64(-1));
    }

    @Test
    void badStartIndicesArePreciseErrors() {
        Graph g = new Graph("bad");
        Tensor x = new Tensor(g, g.parameter("x", TensorType.of(DType.F32, 4, 5)));
        Tensor i = new Tensor(g, g.parameter("i", TensorType.of(DType.S32)));
        Tensor l = new Tensor(g, g.parameter("l", TensorType.of(DType.S64)));
        Tensor f = new Tensor(g, g.parameter("f", TensorType.of(DType.F32)));
        Tensor v = new Tensor(g, g.parameter("v", TensorType.of(DType.S32, 2)));
        var few = assertThrows(ShapeException.class, () -> x.dynamicSlice(List.of(i), 2, 2));
        assertTrue(few.getMessage().startsWith("dynamic_slice:") && few.getMessage().contains("needs 2 scalar start indices"), few.getMessage());
        var flt = assertThrows(ShapeException.class, () -> x.dynamicSlice(List.of(i, f), 2, 2));
        assertTrue(flt.getMessage().contains("start index 1 must be an integer scalar, got f32[]"), flt.getMessage());
        var vec = assertThrows(ShapeException.class, () -> x.dynamicSlice(List.of(v, i), 2, 2));
        assertTrue(vec.getMessage().contains("start index 0"), vec.getMessage());
        var mixed = assertThrows(ShapeException.class, () -> x.dynamicSlice(List.of(i, l), 2, 2));
        assertTrue(mixed.getMessage().contains("same dtype"), mixed.getMessage());
        var big = assertThrows(ShapeException.class, () -> x.dynamicSlice(List.of(i, i), 5, 2));
        assertTrue(big.getMessage().contains("slice size 5 of dimension 0"), big.getMessage());
        Tensor tooWide = Tensor.full(g, DType.F32, Shape.of(2, 6), 0);
        var upd = assertThrows(ShapeException.class, () -> x.dynamicUpdateSlice(tooWide, List.of(i, i)));
        assertTrue(upd.getMessage().startsWith("dynamic_update_slice:") && upd.getMessage().contains("dimension 1")
                && upd.getMessage().contains("f32[2, 6]"), upd.getMessage());
        Tensor wrongType = Tensor.full(g, DType.F64, Shape.of(2, 2), 0);
        assertThrows(ShapeException.class, () -> x.dynamicUpdateSlice(wrongType, List.of(i, i)));
    }
}
