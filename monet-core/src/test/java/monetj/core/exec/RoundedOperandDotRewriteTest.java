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
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

/**
 * dot_general(convert(w, bf16), x) run as one product that rounds w while packing it: bit for bit the executor's dot
 * kernel on the converted copy (what the node ran before the rewrite), and within the f32 product's rounding bound of
 * the reference evaluation; for either operand, both, one convert read twice, batch dimensions and transposed layouts;
 * left alone where the bf16 copy is read by something else, the convert is fused with the node computing its operand, or
 * the product is not packed.
 */
class RoundedOperandDotRewriteTest {
    private static final double U = Math.ulp(1f) / 2;
    private static final float[] EDGE_VALUES = {1 + 0x1p-8f, 1 + 3 * 0x1p-8f, -(1 + 0x1p-8f), 0x1.fep127f, Float.MAX_VALUE, 1e-40f, -Float.MIN_VALUE,
            -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0xffc12345)};
    private final Random rnd = new Random(71);
    private final JavaExecutor exec = new JavaExecutor();

    @Test
    void productsOfARoundedOperandAreTheProductOfTheConvertedCopyBitForBit() {
        for (int trial = 0; trial < 48; trial++) {
            int m, k, n;
            do { // a product the packed kernel takes: not tiny
                m = F32Gemm.DIRECT_BELOW_ROWS + rnd.nextInt(60);
                k = 1 + rnd.nextInt(300);
                n = 1 + rnd.nextInt(80);
            } while (F32SmallProduct.suits(m, k, n));
            int batch = trial % 3 == 0 ? 1 + rnd.nextInt(3) : 0;
            int rounded = 1 + trial % 3; // lhs, rhs or both converted from f32
            Graph g = product(batch, m, k, n, (rounded & 1) != 0, (rounded & 2) != 0, rnd.nextBoolean(), rnd.nextBoolean());
            String what = "trial " + trial + ": " + g.outputs().get(0).node();
            Graph rewritten = RoundedOperandDotRewrite.apply(g);
            assertEquals(0, count(rewritten, Convert.class), what);
            assertEquals(1, count(rewritten, RoundedOperandDot.class), what);
            checkAgainstTheConvertedProduct(g, trial % 2 == 0, what);
            checkAgainstTheReference(g, what);
        }
    }

    @Test
    void oneConvertReadByTwoProductsAndByBothOperandsOfOne() {
        // The bf16-mixed step's case: the rounded vocabulary table read by the logits and by their gradient.
        Graph g = new Graph("two readers");
        Value w = g.parameter("w", TensorType.of(DType.F32, 300, 40)), x = g.parameter("x", TensorType.of(DType.BF16, 2, 9, 40));
        Value dy = g.parameter("dy", TensorType.of(DType.BF16, 2, 9, 300));
        Value cw = g.apply1(new Convert(DType.BF16), w);
        Value logits = g.apply1(dot(new int[] {2}, new int[] {1}), x, cw), dx = g.apply1(dot(new int[] {2}, new int[] {0}), dy, cw);
        Value gram = g.apply1(dot(new int[] {0}, new int[] {0}), cw, cw);
        g.setOutputs(List.of(logits, dx, gram));
        Graph rewritten = RoundedOperandDotRewrite.apply(g);
        assertEquals(0, count(rewritten, Convert.class));
        assertEquals(3, count(rewritten, RoundedOperandDot.class));
        checkAgainstTheConvertedProduct(g, true, "two readers");
    }

    @Test
    void copiesReadElsewhereAndUnpackedProductsAreLeftAlone() {
        Graph shared = product(0, 20, 30, 40, false, true, false, false);
        Node convert = shared.outputs().get(0).node().inputs().get(1).node();
        shared.setOutputs(List.of(shared.outputs().get(0), convert.out())); // the bf16 copy is a result as well
        assertEquals(0, count(RoundedOperandDotRewrite.apply(shared), RoundedOperandDot.class), "the copy is read elsewhere");
        checkAgainstTheConvertedProduct(shared, false, "shared");
        Graph fewRows = product(0, F32Gemm.DIRECT_BELOW_ROWS - 1, 30, 40, false, true, false, false);
        assertEquals(0, count(RoundedOperandDotRewrite.apply(fewRows), RoundedOperandDot.class), "too few rows to pack");
        checkAgainstTheConvertedProduct(fewRows, false, "few rows");
        Graph fused = new Graph("fused into the convert");
        Value w = fused.parameter("w", TensorType.of(DType.F32, 30, 40)), x = fused.parameter("x", TensorType.of(DType.BF16, 20, 30));
        Value cw = fused.apply1(new Convert(DType.BF16), fused.apply1(new Binary(Binary.Kind.MULTIPLY), w, w));
        fused.setOutputs(List.of(fused.apply1(dot(new int[] {1}, new int[] {0}), x, cw)));
        assertEquals(0, count(RoundedOperandDotRewrite.apply(fused), RoundedOperandDot.class), "the square's loop writes the bf16 copy");
        checkAgainstTheConvertedProduct(fused, false, "fused");
        Graph tiny = product(8, 6, 4, 4, true, false, false, false);
        assertEquals(0, count(RoundedOperandDotRewrite.apply(tiny), RoundedOperandDot.class), "a tiny product");
        checkAgainstTheConvertedProduct(tiny, false, "tiny");
    }

    /**
     * lhs [batch, m, k] (or [batch, k, m] when {@code lhsDepthFirst}) times rhs [batch, k, n] (or [batch, n, k]), each
     * a bf16 parameter or the convert of an f32 one, with an f32 result.
     */
    private Graph product(int batch, int m, int k, int n, boolean roundLhs, boolean roundRhs, boolean lhsDepthFirst, boolean rhsDepthLast) {
        Graph g = new Graph("rounded operand");
        int b = batch > 0 ? 1 : 0;
        Value lhs = operand(g, "lhs", batch, lhsDepthFirst ? new int[] {k, m} : new int[] {m, k}, roundLhs);
        Value rhs = operand(g, "rhs", batch, rhsDepthLast ? new int[] {n, k} : new int[] {k, n}, roundRhs);
        int[] lb = b == 1 ? new int[] {0} : new int[0];
        DotGeneral op = new DotGeneral(lb, lb, new int[] {b + (lhsDepthFirst ? 0 : 1)}, new int[] {b + (rhsDepthLast ? 1 : 0)}, DotGeneral.Precision.DEFAULT,
                DType.F32);
        g.setOutputs(List.of(g.apply1(op, lhs, rhs)));
        return g;
    }

    private static Value operand(Graph g, String name, int batch, int[] dims, boolean rounded) {
        int[] shape = batch > 0 ? new int[] {batch, dims[0], dims[1]} : dims;
        if (!rounded) return g.parameter(name, TensorType.of(DType.BF16, shape));
        return g.apply1(new Convert(DType.BF16), g.parameter(name, TensorType.of(DType.F32, shape)));
    }

    private static DotGeneral dot(int[] lhsContract, int[] rhsContract) {
        return new DotGeneral(new int[0], new int[0], lhsContract, rhsContract, DotGeneral.Precision.DEFAULT, DType.F32);
    }

    /** The executor's results against each product run by the dot kernel on the converted copies, bit for bit. */
    private void checkAgainstTheConvertedProduct(Graph g, boolean edgeValues, String what) {
        List<HostTensor> args = new ArrayList<>();
        for (Node p : g.parameters()) args.add(random(p.types().get(0), edgeValues));
        List<HostTensor> got = exec.run(g, args);
        for (int o = 0; o < g.outputs().size(); o++) {
            Node dot = g.outputs().get(o).node();
            if (!(dot.op() instanceof DotGeneral d)) continue;
            HostTensor lhs = valueOf(dot.inputs().get(0), g, args), rhs = valueOf(dot.inputs().get(1), g, args);
            HostTensor want = DotKernel.dotGeneral(d, lhs, rhs, dot.types().get(0));
            assertEquals(want.type(), got.get(o).type(), what);
            // any NaN equals any other: Math.fma gives the canonical NaN while interpreted, an operand's payload once compiled
            assertTrue(FusedLoopTest.sameValues(got.get(o), want), what + ": result " + o + " differs from the product of the converted copy");
        }
    }

    /** The executor against the reference evaluation (finite values): within (k + 2) u sum |a||b| of it, as the f32 product is. */
    private void checkAgainstTheReference(Graph g, String what) {
        List<HostTensor> args = new ArrayList<>();
        for (Node p : g.parameters()) args.add(random(p.types().get(0), false));
        HostTensor got = exec.run(g, args).get(0);
        Node dot = g.outputs().get(0).node();
        HostTensor lhs = valueOf(dot.inputs().get(0), g, args), rhs = valueOf(dot.inputs().get(1), g, args);
        DotGeneral d = (DotGeneral) dot.op();
        HostTensor want = d.evaluate(List.of(lhs, rhs)).get(0);
        HostTensor magnitude = d.evaluate(List.of(abs(lhs), abs(rhs))).get(0);
        int k = DotKernel.product(lhs.shape(), d.lhsContract());
        for (long i = 0; i < want.size(); i++) {
            double bound = (k + 2) * U * magnitude.getDouble(i), err = Math.abs(got.getDouble(i) - want.getDouble(i));
            assertTrue(err <= bound, what + ": element " + i + " is " + got.getDouble(i) + ", the reference " + want.getDouble(i) + " within " + bound);
        }
    }

    /** A product's operand: a parameter's value, or what the reference evaluation of the nodes computing it gives. */
    private static HostTensor valueOf(Value v, Graph g, List<HostTensor> args) {
        Node n = v.node();
        if (g.parameters().contains(n)) return args.get(g.parameters().indexOf(n));
        List<HostTensor> in = new ArrayList<>();
        for (Value x : n.inputs()) in.add(valueOf(x, g, args));
        return n.op().evaluate(in).get(v.index());
    }

    private HostTensor random(TensorType t, boolean edgeValues) {
        float[] v = new float[t.shape().intSize()];
        for (int i = 0; i < v.length; i++) {
            v[i] = edgeValues && rnd.nextInt(40) == 0 ? EDGE_VALUES[rnd.nextInt(EDGE_VALUES.length)] : rnd.nextFloat() * 2 - 1;
        }
        HostTensor f = HostTensor.of(t.shape(), v);
        return t.dtype() == DType.F32 ? f : f.to(t.dtype());
    }

    private static HostTensor abs(HostTensor t) {
        double[] d = new double[t.shape().intSize()];
        for (int i = 0; i < d.length; i++) d[i] = Math.abs(t.getDouble(i));
        return HostTensor.fromDoubles(t.dtype(), t.shape(), d);
    }

    private static long count(Graph g, Class<?> op) { return g.liveNodes().stream().filter(n -> op.isInstance(n.op())).count(); }
}
