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

class GatherScatterTest {
    private final Random rnd = new Random(3);

    private static int[] ints(int... v) { return v; }

    /** [[0 1 2] [10 11 12] [20 21 22] [30 31 32]] */
    private static final HostTensor TABLE = HostTensor.of(Shape.of(4, 3), new float[] {0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32});

    @Test
    void takeLooksUpRowsAndClampsOutOfRangeIds() {
        HostTensor ids = HostTensor.of(Shape.of(2, 2), new int[] {2, 0, 7, -1});
        HostTensor r = run1(p -> p.get(0).take(p.get(1), 0), TABLE, ids);
        assertEquals(Shape.of(2, 2, 3), r.shape());
        assertArrayEquals(new float[] {20, 21, 22, 0, 1, 2, 30, 31, 32, 0, 1, 2}, r.floats());
        HostTensor cols = HostTensor.of(Shape.of(2), new long[] {2, 1});
        HostTensor c = run1(p -> p.get(0).take(p.get(1), -1), TABLE, cols);
        assertEquals(Shape.of(4, 2), c.shape());
        assertArrayEquals(new float[] {2, 1, 12, 11, 22, 21, 32, 31}, c.floats());
        HostTensor scalarId = HostTensor.scalar(3);
        assertArrayEquals(new float[] {30, 31, 32}, run1(p -> p.get(0).take(p.get(1), 0), TABLE, scalarId).floats());
        HostTensor noIds = HostTensor.of(Shape.of(0), new int[0]);
        assertEquals(Shape.of(0, 3), run1(p -> p.get(0).take(p.get(1), 0), TABLE, noIds).shape());
    }

    @Test
    void takeAlongAxisPicksOneEntryPerRow() {
        HostTensor labels = HostTensor.of(Shape.of(4, 1), new int[] {1, 2, 0, 2});
        HostTensor r = run1(p -> p.get(0).takeAlongAxis(p.get(1), 1), TABLE, labels);
        assertEquals(Shape.of(4, 1), r.shape());
        assertArrayEquals(new float[] {1, 12, 20, 32}, r.floats());
        HostTensor down = HostTensor.of(Shape.of(2, 3), new int[] {3, 0, 1, 0, 2, 9});
        assertArrayEquals(new float[] {30, 1, 12, 0, 21, 32}, run1(p -> p.get(0).takeAlongAxis(p.get(1), 0), TABLE, down).floats());
    }

    @Test
    void scatterAddAccumulatesDuplicatesAndSkipsWindowsOutOfBounds() {
        HostTensor operand = HostTensor.of(Shape.of(4, 2), new float[] {1, 1, 1, 1, 1, 1, 1, 1});
        HostTensor indices = HostTensor.of(Shape.of(5, 1), new int[] {1, 3, 1, 4, -1});
        HostTensor updates = HostTensor.of(Shape.of(5, 2), new float[] {1, 2, 3, 4, 5, 6, 100, 100, 100, 100});
        Scatter rows = new Scatter(ints(1), ints(0), ints(), ints(), ints(0), 1, false, false);
        HostTensor r = run1(p -> Tensor.apply(rows, p.get(0), p.get(1), p.get(2)), operand, indices, updates);
        assertArrayEquals(new float[] {1, 1, 7, 9, 1, 1, 4, 5}, r.floats());
        // a [2, 2] window starting at column 1 of a [2, 2] operand does not fit: skipped whole, not clamped
        HostTensor square = HostTensor.of(Shape.of(2, 2), new int[] {0, 0, 0, 0});
        Scatter windows = new Scatter(ints(1, 2), ints(), ints(), ints(), ints(0, 1), 1, false, false);
        HostTensor starts = HostTensor.of(Shape.of(2, 2), new int[] {0, 1, 0, 0});
        HostTensor blocks = HostTensor.of(Shape.of(2, 2, 2), new int[] {9, 9, 9, 9, 1, 2, 3, 4});
        assertArrayEquals(new int[] {1, 2, 3, 4}, run1(p -> Tensor.apply(windows, p.get(0), p.get(1), p.get(2)), square, starts, blocks).ints());
        HostTensor noIndices = HostTensor.of(Shape.of(0, 1), new int[0]), noUpdates = HostTensor.of(Shape.of(0, 2), new float[0]);
        assertArrayEquals(operand.floats(), run1(p -> Tensor.apply(rows, p.get(0), p.get(1), p.get(2)), operand, noIndices, noUpdates).floats());
        HostTensor halves = HostTensor.of(Shape.of(2, 2), new float[] {0.5f, 1, 1, 1}).to(DType.BF16);
        HostTensor halfUpdates = HostTensor.of(Shape.of(2, 2), new float[] {0.25f, 0, 0.25f, 0}).to(DType.BF16);
        HostTensor twice = HostTensor.of(Shape.of(2, 1), new int[] {0, 0});
        assertArrayEquals(new float[] {1, 1, 1, 1}, run1(p -> Tensor.apply(rows, p.get(0), p.get(1), p.get(2)), halves, twice, halfUpdates).to(DType.F32).floats());
    }

    /** A gather configuration to test against the spec's element-wise definition, with the shapes it needs. */
    private record Case(String label, Shape operand, Shape indices, Gather gather, int indexLo, int indexHi) {}

    private static final List<Case> CASES = List.of(
            // embedding lookup: index vectors along the last dim
            new Case("rows", Shape.of(5, 3), Shape.of(4, 1), new Gather(ints(1), ints(0), ints(), ints(), ints(0), 1, ints(1, 3), false), -2, 7),
            // index vectors in the middle of the indices, two start components in reversed order, interleaved offset dims
            new Case("windows", Shape.of(6, 7, 4), Shape.of(3, 2, 4), new Gather(ints(1, 3), ints(0), ints(), ints(), ints(2, 0), 1, ints(1, 3, 2), false), -3, 10),
            // batching dims: operand dim 0 pairs with indices dim 1
            new Case("batched", Shape.of(2, 5, 3), Shape.of(4, 2, 1),
                    new Gather(ints(2), ints(1), ints(0), ints(1), ints(1), 2, ints(1, 1, 3), false), -1, 6),
            // implicit index vector (index_vector_dim = rank), nothing collapsed, offset dims around the batch dims
            new Case("implicit", Shape.of(4, 5), Shape.of(2, 3), new Gather(ints(0, 3), ints(), ints(), ints(), ints(1), 2, ints(2, 1), false), -1, 8),
            // two batching dims, indices batching dims out of order
            new Case("two-batch", Shape.of(3, 2, 6), Shape.of(2, 3, 1),
                    new Gather(ints(), ints(2), ints(0, 1), ints(1, 0), ints(2), 2, ints(1, 1, 1), false), 0, 6));

    private HostTensor randomIndices(Shape s, int lo, int hi) {
        int[] v = new int[s.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = lo + rnd.nextInt(hi - lo);
        return HostTensor.of(s, v);
    }

    @Test
    void gatherMatchesTheSpecElementByElement() {
        for (Case c : CASES) {
            for (DType t : List.of(DType.F32, DType.S64, DType.BF16)) {
                HostTensor x = randomF64(rnd, c.operand(), -4, 4).to(t), idx = randomIndices(c.indices(), c.indexLo(), c.indexHi());
                HostTensor r = run1(p -> Tensor.apply(c.gather(), p.get(0), p.get(1)), x, idx);
                HostTensor expected = SpecGatherScatter.gather(x, idx, c.gather(), r.shape());
                assertTrue(expected.contentEquals(r), c.label() + " " + t + ": expected " + expected + " got " + r);
            }
        }
    }

    @Test
    void scatterMatchesTheSpecElementByElement() {
        for (Case c : CASES) {
            Gather g = c.gather();
            Scatter s = new Scatter(g.offsetDims(), g.collapsedSliceDims(), g.operandBatchingDims(), g.startIndicesBatchingDims(), g.startIndexMap(),
                    g.indexVectorDim(), false, false);
            Shape updatesShape = g.inferTypes(List.of(new TensorType(DType.F64, c.operand()), new TensorType(DType.S32, c.indices()))).get(0).shape();
            for (DType t : List.of(DType.F64, DType.S32)) {
                HostTensor x = randomF64(rnd, c.operand(), -4, 4).to(t), idx = randomIndices(c.indices(), c.indexLo(), c.indexHi());
                HostTensor u = randomF64(rnd, updatesShape, -4, 4).to(t);
                HostTensor r = run1(p -> Tensor.apply(s, p.get(0), p.get(1), p.get(2)), x, idx, u);
                HostTensor expected = SpecGatherScatter.scatterAdd(x, idx, u, s);
                assertClose(expected, r, 1e-12);
            }
        }
    }

    @Test
    void embeddingLookupOfManyIdsCopiesWholeRows() {
        Shape tableShape = Shape.of(1000, 64);
        HostTensor table = randomF64(rnd, tableShape).to(DType.F32), ids = randomIndices(Shape.of(8, 300), 0, 1000);
        HostTensor r = run1(p -> p.get(0).take(p.get(1), 0), table, ids);
        assertEquals(Shape.of(8, 300, 64), r.shape());
        float[] t = table.floats(), got = r.floats();
        int[] id = ids.ints();
        for (int i = 0; i < id.length; i++) {
            for (int j = 0; j < 64; j++) assertEquals(t[id[i] * 64 + j], got[i * 64 + j], "token " + i + " feature " + j);
        }
    }

    @Test
    void gatherGradientIsScatterAddOfTheClampedWindows() {
        for (Case c : CASES) {
            HostTensor x = randomF64(rnd, c.operand()), idx = randomIndices(c.indices(), c.indexLo(), c.indexHi());
            checkGradient(p -> Tensor.apply(c.gather(), p.get(0), p.get(1)), x, idx);
        }
        HostTensor table = randomF64(rnd, Shape.of(5, 3));
        HostTensor repeated = HostTensor.of(Shape.of(2, 3), new int[] {1, 4, 1, 1, 0, 9});
        checkGradient(p -> p.get(0).take(p.get(1), 0), table, repeated);
        checkGradient(p -> p.get(0).takeAlongAxis(p.get(1), 1), table, HostTensor.of(Shape.of(5, 2), new int[] {0, 2, 1, 1, 2, 0, 0, 0, 1, 2}));
    }

    @Test
    void scatterGradientGathersTheUpdatesAndDropsSkippedWindows() {
        for (Case c : CASES) {
            Gather g = c.gather();
            Scatter s = new Scatter(g.offsetDims(), g.collapsedSliceDims(), g.operandBatchingDims(), g.startIndicesBatchingDims(), g.startIndexMap(),
                    g.indexVectorDim(), false, false);
            Shape updatesShape = g.inferTypes(List.of(new TensorType(DType.F64, c.operand()), new TensorType(DType.S32, c.indices()))).get(0).shape();
            HostTensor x = randomF64(rnd, c.operand()), u = randomF64(rnd, updatesShape), idx = randomIndices(c.indices(), c.indexLo(), c.indexHi());
            checkGradient(p -> Tensor.apply(s, p.get(0), p.get(1), p.get(2)).square(), x, idx, u);
        }
    }

    @Test
    void badGatherDimensionNumbersArePreciseErrors() {
        Graph g = new Graph("bad");
        Value x = g.parameter("x", TensorType.of(DType.F32, 5, 3));
        Value idx = g.parameter("idx", TensorType.of(DType.S32, 4, 1));
        Value fidx = g.parameter("fidx", TensorType.of(DType.F32, 4, 1));
        assertGatherError(g, x, fidx, new Gather(ints(1), ints(0), ints(), ints(), ints(0), 1, ints(1, 3), false), "start_indices must be s32 or s64");
        assertGatherError(g, x, idx, new Gather(ints(1), ints(0), ints(), ints(), ints(0), 3, ints(1, 3), false), "index_vector_dim 3");
        assertGatherError(g, x, idx, new Gather(ints(1), ints(0), ints(), ints(), ints(0, 1), 1, ints(1, 3), false), "start_index_map [0, 1]");
        assertGatherError(g, x, idx, new Gather(ints(1), ints(0), ints(), ints(), ints(0), 1, ints(2, 3), false), "must be 1, got 2");
        assertGatherError(g, x, idx, new Gather(ints(1), ints(0), ints(), ints(), ints(0), 1, ints(1, 4), false), "slice size 4 of operand dimension 1");
        assertGatherError(g, x, idx, new Gather(ints(0, 1), ints(0), ints(), ints(), ints(0), 1, ints(1, 3), false), "offset_dims [0, 1] must name 1");
        assertGatherError(g, x, idx, new Gather(ints(2), ints(0), ints(), ints(), ints(0), 1, ints(1, 3), false), "offset_dims [2]: 2 is out of range");
        assertGatherError(g, x, idx, new Gather(ints(1), ints(0), ints(), ints(), ints(5), 1, ints(1, 3), false), "start_index_map [5]");
        assertGatherError(g, x, idx, new Gather(ints(), ints(0), ints(1), ints(0), ints(0), 1, ints(1, 1), false),
                "batching dimension 1 of the operand and 0 of the indices differ in size");
        assertGatherError(g, x, idx, new Gather(ints(), ints(0), ints(1), ints(1), ints(0), 1, ints(1, 1), false), "must not contain index_vector_dim 1");
        Tensor table = new Tensor(g, x);
        var along = assertThrows(IllegalArgumentException.class, () -> table.takeAlongAxis(new Tensor(g, g.parameter("v", TensorType.of(DType.S32, 5))), 1));
        assertTrue(along.getMessage().contains("takeAlongAxis") && along.getMessage().contains("s32[5]"), along.getMessage());
    }

    private static void assertGatherError(Graph g, Value x, Value idx, Gather op, String expected) {
        var e = assertThrows(ShapeException.class, () -> g.apply1(op, x, idx));
        assertTrue(e.getMessage().startsWith("gather:") && e.getMessage().contains(expected) && e.getMessage().contains(x.type().toString()), e.getMessage());
    }

    @Test
    void badScattersArePreciseErrors() {
        Graph g = new Graph("bad");
        Value x = g.parameter("x", TensorType.of(DType.F32, 5, 3));
        Value idx = g.parameter("idx", TensorType.of(DType.S32, 4, 1));
        Value upd = g.parameter("upd", TensorType.of(DType.F32, 4, 3));
        Value wide = g.parameter("wide", TensorType.of(DType.F32, 4, 4));
        Value fewer = g.parameter("fewer", TensorType.of(DType.F32, 3, 3));
        Value ints = g.parameter("ints", TensorType.of(DType.S32, 4, 3));
        Value flags = g.parameter("flags", TensorType.of(DType.PRED, 5, 3));
        Scatter rows = new Scatter(ints(1), ints(0), ints(), ints(), ints(0), 1, false, false);
        assertScatterError(g, rows, "is larger than operand dimension 1", x, idx, wide);
        assertScatterError(g, rows, "update scatter dimension 0 and scatter_indices dimension 0 differ in size", x, idx, fewer);
        assertScatterError(g, rows, "updates must have the operand's dtype", x, idx, ints);
        assertScatterError(g, rows, "cannot add booleans", flags, idx, upd);
        assertScatterError(g, new Scatter(ints(1), ints(0), ints(), ints(), ints(2), 1, false, false), "scatter_dims_to_operand_dims [2]: 2 is out of range", x, idx, upd);
        assertScatterError(g, new Scatter(ints(0, 1), ints(0), ints(), ints(), ints(0), 1, false, false), "update_window_dims [0, 1] must name 1", x, idx, upd);
        assertScatterError(g, new Scatter(ints(1), ints(0, 0), ints(), ints(), ints(0), 1, false, false), "appears twice", x, idx, upd);
        assertScatterError(g, new Scatter(ints(1), ints(0), ints(0), ints(0), ints(0), 1, false, false), "in both inserted_window_dims and input_batching_dims",
                x, idx, upd);
    }

    private static void assertScatterError(Graph g, Scatter op, String expected, Value... operands) {
        var e = assertThrows(ShapeException.class, () -> g.apply1(op, operands));
        assertTrue(e.getMessage().startsWith("scatter:") && e.getMessage().contains(expected) && e.getMessage().contains(operands[0].type().toString()),
                e.getMessage());
    }
}
