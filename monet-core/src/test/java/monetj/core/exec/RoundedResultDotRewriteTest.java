package monetj.core.exec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import monetj.core.ir.Binary;
import monetj.core.ir.Convert;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

/**
 * convert(dot_general(a, b), bf16), and its round trip back to f32, run as one op that rounds the product's result in
 * place: bit for bit the executor's dot kernel followed by the reference converts (what the nodes ran before the
 * rewrite), for tiny, few-row and packed products, bf16 operands or f32 ones rounded as packed, results large enough to
 * round to infinity and NaNs; left alone where the f32 result is read by something else or the operands are f32.
 */
class RoundedResultDotRewriteTest {
    private static final float[] EDGE_VALUES = {0x1.fep127f, Float.MAX_VALUE, -Float.MAX_VALUE, 1 + 0x1p-8f, 1e-40f, -0f, Float.POSITIVE_INFINITY,
            Float.NaN, Float.intBitsToFloat(0xffc12345)};
    private final Random rnd = new Random(83);
    private final JavaExecutor exec = new JavaExecutor();

    @Test
    void roundedProductsAreTheProductThenTheConvertsBitForBit() {
        int[][] shapes = {{4, 3, 5}, {5, 40, 70}, {13, 33, 47}, {40, 300, 97}, {130, 20, 600}, {7, 260, 33}};
        for (int trial = 0; trial < 36; trial++) {
            int[] s = shapes[trial % shapes.length];
            boolean roundTrip = trial % 2 == 1, f32Weight = trial % 3 == 2;
            Graph g = roundedProduct(s[0], s[1], s[2], f32Weight, roundTrip);
            String what = "trial " + trial + " " + java.util.Arrays.toString(s) + (roundTrip ? " round trip" : "") + (f32Weight ? " f32 weight" : "");
            Graph rewritten = RoundedOperandDotRewrite.apply(g);
            rewritten = RoundedResultDotRewrite.apply(rewritten);
            assertEquals(1, count(rewritten, RoundedResultDot.class), what);
            boolean weightConvertStays = f32Weight && !RoundedOperandDotRewrite.isPackedBf16Product(dotOf(g)); // not packed: converted as before
            assertEquals(weightConvertStays ? 1 : 0, count(rewritten, Convert.class), what);
            checkBits(g, trial % 4 < 2, what);
        }
    }

    @Test
    void resultsReadElsewhereAndProductsOfF32AreLeftAlone() {
        Graph shared = roundedProduct(13, 33, 47, false, false);
        shared.setOutputs(List.of(shared.outputs().get(0), dotOf(shared).out())); // the f32 result is a result as well
        assertEquals(0, count(RoundedResultDotRewrite.apply(shared), RoundedResultDot.class), "the f32 result is read elsewhere");
        checkBits(shared, true, "shared");
        Graph tripShared = roundedProduct(13, 33, 47, false, true);
        Node first = tripShared.outputs().get(0).node().inputs().get(0).node();
        tripShared.setOutputs(List.of(tripShared.outputs().get(0), first.out())); // the bf16 result is a result too: only it is folded
        Graph rewritten = RoundedResultDotRewrite.apply(tripShared);
        assertEquals(1, count(rewritten, RoundedResultDot.class));
        assertEquals(1, count(rewritten, Convert.class), "the round trip's second convert stays");
        checkBits(tripShared, true, "trip shared");
        Graph f32 = new Graph("f32 operands");
        Value a = f32.parameter("a", TensorType.of(DType.F32, 13, 33)), b = f32.parameter("b", TensorType.of(DType.F32, 33, 47));
        f32.setOutputs(List.of(f32.apply1(new Convert(DType.BF16), f32.apply1(dot(), a, b))));
        assertEquals(0, count(RoundedResultDotRewrite.apply(f32), RoundedResultDot.class), "f32 operands");
        Graph added = roundedProduct(13, 33, 47, false, false);
        Node product = dotOf(added);
        Value sum = added.apply1(new Binary(Binary.Kind.ADD), product.out(), product.out());
        added.setOutputs(List.of(added.outputs().get(0), sum));
        assertEquals(0, count(RoundedResultDotRewrite.apply(added), RoundedResultDot.class), "an add reads the f32 result");
        checkBits(added, false, "added");
    }

    /** convert(x [m, k] bf16 times w [k, n] (bf16, or f32 converted), bf16), and back to f32 with {@code roundTrip}. */
    private static Graph roundedProduct(int m, int k, int n, boolean f32Weight, boolean roundTrip) {
        Graph g = new Graph("rounded result");
        Value x = g.parameter("x", TensorType.of(DType.BF16, m, k));
        Value w = f32Weight ? g.apply1(new Convert(DType.BF16), g.parameter("w", TensorType.of(DType.F32, k, n))) : g.parameter("w", TensorType.of(DType.BF16, k, n));
        Value r = g.apply1(new Convert(DType.BF16), g.apply1(dot(), x, w));
        g.setOutputs(List.of(roundTrip ? g.apply1(new Convert(DType.F32), r) : r));
        return g;
    }

    private static DotGeneral dot() { return new DotGeneral(new int[0], new int[0], new int[] {1}, new int[] {0}, DotGeneral.Precision.DEFAULT, DType.F32); }

    private static Node dotOf(Graph g) { return g.liveNodes().stream().filter(n -> n.op() instanceof DotGeneral).findFirst().orElseThrow(); }

    /** The executor's results against the nodes run one by one, the product by the executor's dot kernel and the rest by their reference. */
    private void checkBits(Graph g, boolean edgeValues, String what) {
        List<HostTensor> args = new ArrayList<>();
        for (Node p : g.parameters()) args.add(random(p.types().get(0), edgeValues));
        List<HostTensor> got = exec.run(g, args);
        for (int o = 0; o < g.outputs().size(); o++) {
            HostTensor want = valueOf(g.outputs().get(o), g, args);
            assertEquals(want.type(), got.get(o).type(), what);
            // any NaN equals any other: Math.fma gives the canonical NaN while interpreted, an operand's payload once compiled
            assertTrue(FusedLoopTest.sameValues(got.get(o), want), what + ": result " + o + " differs from the product followed by the converts");
        }
    }

    private static HostTensor valueOf(Value v, Graph g, List<HostTensor> args) {
        Node n = v.node();
        if (g.parameters().contains(n)) return args.get(g.parameters().indexOf(n));
        List<HostTensor> in = new ArrayList<>();
        for (Value x : n.inputs()) in.add(valueOf(x, g, args));
        if (n.op() instanceof DotGeneral d) return DotKernel.dotGeneral(d, in.get(0), in.get(1), n.types().get(0));
        return n.op().evaluate(in).get(v.index());
    }

    private HostTensor random(TensorType t, boolean edgeValues) {
        float[] v = new float[t.shape().intSize()];
        for (int i = 0; i < v.length; i++) {
            v[i] = edgeValues && rnd.nextInt(60) == 0 ? EDGE_VALUES[rnd.nextInt(EDGE_VALUES.length)] : (rnd.nextFloat() * 2 - 1) * (edgeValues ? 0x1p61f : 1); // sums near the largest f32: some round to infinity
        }
        HostTensor f = HostTensor.of(t.shape(), v);
        return t.dtype() == DType.F32 ? f : f.to(t.dtype());
    }

    private static long count(Graph g, Class<?> op) { return g.liveNodes().stream().filter(n -> op.isInstance(n.op())).count(); }
}
