package monetj.core.exec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Transpose;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

/**
 * transpose(dot_general(a, b)) swapping the result's free groups, run as dot_general(b, a): bit for bit the
 * executor's dot kernel followed by the reference transpose, for tiny products of f32, bf16, f64 and s32 operands with
 * one or two free dimensions a side; left alone for products too big for the tiny kernels, other permutations, and
 * products something else reads.
 */
class SwappedDotRewriteTest {
    private final Random rnd = new Random(61);
    private final JavaExecutor exec = new JavaExecutor();
    private static final DType[] DTYPES = {DType.F32, DType.F32, DType.BF16, DType.F64, DType.S32};

    @Test
    void transposedTinyProductsAreTheSwappedProductBitForBit() {
        for (int trial = 0; trial < 60; trial++) {
            int[] batch = {1 + rnd.nextInt(5), 1 + rnd.nextInt(9)}, contract = {1 + rnd.nextInt(6)};
            int[] lhsFree = sizes(1 + rnd.nextInt(2)), rhsFree = sizes(1 + rnd.nextInt(2));
            Graph g = transposedProduct(batch, contract, lhsFree, rhsFree, DTYPES[trial % DTYPES.length], null);
            assertEquals(0, transposes(SwappedDotRewrite.apply(g)), "trial " + trial);
            checkBits(g, "trial " + trial);
        }
    }

    @Test
    void otherProductsAndPermutationsAreLeftAlone() {
        Graph big = transposedProduct(new int[] {2}, new int[] {64}, new int[] {40}, new int[] {30}, DType.F32, null);
        assertEquals(1, transposes(SwappedDotRewrite.apply(big)), "too big for the tiny kernels");
        checkBits(big, "big");
        Graph batchMoved = transposedProduct(new int[] {2, 3}, new int[] {4}, new int[] {4}, new int[] {4}, DType.F32, new int[] {1, 0, 3, 2});
        assertEquals(1, transposes(SwappedDotRewrite.apply(batchMoved)), "the batch dimensions move too");
        checkBits(batchMoved, "batch moved");
        Graph shared = transposedProduct(new int[] {2}, new int[] {4}, new int[] {4}, new int[] {4}, DType.F32, null);
        shared.setOutputs(List.of(shared.outputs().get(0), shared.outputs().get(0).node().inputs().get(0))); // the product is an output as well
        assertEquals(1, transposes(SwappedDotRewrite.apply(shared)), "the product is read elsewhere");
        checkBits(shared, "shared");
    }

    /** transpose(dot_general(lhs [batch, lhsFree, contract], rhs [batch, contract, rhsFree])) by {@code perm}, or the swap of the free groups. */
    private Graph transposedProduct(int[] batch, int[] contract, int[] lhsFree, int[] rhsFree, DType dtype, int[] perm) {
        int b = batch.length, lf = lhsFree.length, rf = rhsFree.length;
        Graph g = new Graph("swapped");
        Value lhs = g.parameter("lhs", TensorType.of(dtype, concat(batch, lhsFree, contract))), rhs = g.parameter("rhs", TensorType.of(dtype, concat(batch, contract, rhsFree)));
        DotGeneral op = new DotGeneral(range(0, b), range(0, b), new int[] {b + lf}, new int[] {b}, DotGeneral.Precision.DEFAULT,
                dtype == DType.BF16 ? DType.F32 : null);
        Value product = g.apply1(op, lhs, rhs);
        if (perm == null) perm = IntStream.concat(IntStream.concat(IntStream.range(0, b), IntStream.range(b + lf, b + lf + rf)), IntStream.range(b, b + lf)).toArray();
        g.setOutputs(List.of(g.apply1(new Transpose(perm), product)));
        return g;
    }

    /** The executor's result against its dot kernel on the same operands, then the reference transpose. */
    private void checkBits(Graph g, String what) {
        Value t = g.outputs().get(0);
        Node dot = t.node().inputs().get(0).node();
        HostTensor lhs = random(dot.inputs().get(0).type()), rhs = random(dot.inputs().get(1).type());
        HostTensor product = DotKernel.dotGeneral((DotGeneral) dot.op(), lhs, rhs, dot.types().get(0));
        HostTensor want = t.node().op().evaluate(List.of(product)).get(0), got = exec.run(g, List.of(lhs, rhs)).get(0);
        assertEquals(want.type(), got.type(), what);
        assertTrue(got.contentEquals(want), what + ": " + lhs.shape() + " x " + rhs.shape() + " " + lhs.dtype());
    }

    private HostTensor random(TensorType t) {
        float[] v = new float[t.shape().intSize()];
        for (int i = 0; i < v.length; i++) v[i] = rnd.nextFloat() * 2 - 1;
        HostTensor f = HostTensor.of(t.shape(), v);
        if (t.dtype() == DType.S32) {
            int[] ints = new int[v.length];
            for (int i = 0; i < v.length; i++) ints[i] = rnd.nextInt(21) - 10;
            return HostTensor.of(t.shape(), ints);
        }
        return t.dtype() == DType.F32 ? f : f.to(t.dtype());
    }

    private static int transposes(Graph g) { return (int) g.liveNodes().stream().map(Node::op).filter(o -> o instanceof Transpose).count(); }

    private int[] sizes(int count) { return IntStream.range(0, count).map(i -> 1 + rnd.nextInt(5)).toArray(); }

    private static int[] range(int from, int to) { return IntStream.range(from, to).toArray(); }

    private static int[] concat(int[]... parts) { return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray(); }
}
