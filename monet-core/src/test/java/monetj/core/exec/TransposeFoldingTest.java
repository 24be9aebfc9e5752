package monetj.core.exec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
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
 * Transposes folded into the dot_generals and transposes that read them: the executor's result is bit for bit what
 * it gave with the transpose materialised (the reference transpose, then the executor's dot kernel), for tiny
 * products and for products big enough for the packed kernel, f32 and bf16, either operand or both, chains of
 * transposes; and the transposes are gone from the program where they fold, kept where they do not (free dimensions
 * reordered, another reader, a program output).
 */
class TransposeFoldingTest {
    private final Random rnd = new Random(53);
    private final JavaExecutor exec = new JavaExecutor();

    @Test
    void transposedOperandsOfDotsAreReadInPlaceWithTheSameResults() {
        int folded = 0;
        for (int trial = 0; trial < 80; trial++) {
            boolean big = trial % 4 == 3;
            int[] batch = big ? new int[] {2} : new int[] {2 + rnd.nextInt(3), 1 + rnd.nextInt(5)};
            int[] contract = {big ? 40 + rnd.nextInt(100) : 1 + rnd.nextInt(8)};
            int[] lhsFree = {big ? 20 + rnd.nextInt(60) : 1 + rnd.nextInt(8)}, rhsFree = {big ? 20 + rnd.nextInt(60) : 1 + rnd.nextInt(8)};
            DType dtype = trial % 5 == 4 ? DType.BF16 : DType.F32;
            folded += check(batch, contract, lhsFree, rhsFree, dtype, "trial " + trial) ? 1 : 0;
        }
        assertTrue(folded > 20, "only " + folded + " of 80 programs lost their transposes");
    }

    @Test
    void transposesThatCannotFoldStay() {
        Graph g = new Graph("kept");
        TensorType t = TensorType.of(DType.F32, 3, 4, 5);
        Value x = g.parameter("x", t), y = g.parameter("y", TensorType.of(DType.F32, 3, 5, 4));
        Value reordered = g.apply1(new Transpose(new int[] {2, 1, 0}), x); // free dims 0 and 1 of [5,4,3] are x's 2 and 1: out of order
        Value d1 = g.apply1(new DotGeneral(new int[0], new int[0], new int[] {2}, new int[] {0}, DotGeneral.Precision.DEFAULT, null), reordered, y);
        Value shared = g.apply1(new Transpose(new int[] {0, 2, 1}), x); // read by a dot and by a negate: stays
        Value d2 = g.apply1(new DotGeneral(new int[] {0}, new int[] {0}, new int[] {1}, new int[] {1}, DotGeneral.Precision.DEFAULT, null), shared, y);
        Value neg = new monetj.core.dsl.Tensor(g, shared).neg().value();
        Value output = g.apply1(new Transpose(new int[] {1, 0, 2}), x); // a program output: stays
        g.setOutputs(List.of(d1, d2, neg, output));
        Graph rewritten = TransposeFolding.apply(g);
        assertEquals(3, transposes(rewritten), "every transpose stays");
        HostTensor xv = random(t.shape(), DType.F32), yv = random(Shape.of(3, 5, 4), DType.F32);
        List<HostTensor> got = exec.run(g, List.of(xv, yv));
        DotGeneral op1 = (DotGeneral) d1.node().op();
        HostTensor want1 = DotKernel.dotGeneral(op1, new Transpose(new int[] {2, 1, 0}).evaluate(List.of(xv)).get(0), yv, d1.type());
        assertTrue(got.get(0).contentEquals(want1), "the unfolded dot");
        assertTrue(got.get(3).contentEquals(new Transpose(new int[] {1, 0, 2}).evaluate(List.of(xv)).get(0)));
    }

    @Test
    void aTransposeOfATransposeIsOneTranspose() {
        Graph g = new Graph("chain");
        Value x = g.parameter("x", TensorType.of(DType.F32, 2, 3, 4, 5));
        Value t1 = g.apply1(new Transpose(new int[] {0, 2, 1, 3}), x), t2 = g.apply1(new Transpose(new int[] {3, 0, 2, 1}), t1);
        g.setOutputs(List.of(new monetj.core.dsl.Tensor(g, t2).neg().value()));
        assertEquals(1, transposes(TransposeFolding.apply(g)));
        HostTensor xv = random(Shape.of(2, 3, 4, 5), DType.F32);
        HostTensor want = new Transpose(new int[] {3, 0, 2, 1}).evaluate(List.of(new Transpose(new int[] {0, 2, 1, 3}).evaluate(List.of(xv)).get(0))).get(0);
        HostTensor got = exec.run(g, List.of(xv)).get(0);
        float[] w = want.floats(), r = got.floats();
        for (int i = 0; i < w.length; i++) assertEquals(-w[i], r[i]);
    }

    /**
     * A random dot_general whose operands are given as transposes (each, one or both, and once through a chain of two)
     * of tensors laid out another way; returns whether the program lost its transposes.
     */
    private boolean check(int[] batch, int[] contract, int[] lhsFree, int[] rhsFree, DType dtype, String what) {
        int[] lhsShape = concat(batch, lhsFree, contract), rhsShape = concat(batch, contract, rhsFree);
        int b = batch.length;
        DotGeneral op = new DotGeneral(range(0, b), range(0, b), new int[] {b + 1}, new int[] {b}, DotGeneral.Precision.DEFAULT,
                dtype == DType.F32 ? null : DType.F32);
        int mode = rnd.nextInt(4); // 0: lhs transposed, 1: rhs, 2: both, 3: lhs through two transposes
        int[] lp = mode == 1 ? identity(lhsShape.length) : shuffled(lhsShape.length), rp = mode == 0 || mode == 3 ? identity(rhsShape.length) : shuffled(rhsShape.length);
        // the parameters hold the operands laid out by the inverse permutation, so the transposes give back lhsShape and rhsShape
        HostTensor lhs = random(Shape.of(permute(lhsShape, inverse(lp))), dtype), rhs = random(Shape.of(permute(rhsShape, inverse(rp))), dtype);
        Graph g = new Graph("folded");
        Value lv = g.parameter("lhs", lhs.type()), rv = g.parameter("rhs", rhs.type());
        if (mode == 3) {
            int[] first = shuffled(lhsShape.length), second = permute(inverse(first), lp); // first, then second, is lp
            lv = g.apply1(new Transpose(second), g.apply1(new Transpose(first), lv));
        } else if (!isIdentity(lp)) {
            lv = g.apply1(new Transpose(lp), lv);
        }
        if (!isIdentity(rp)) rv = g.apply1(new Transpose(rp), rv);
        g.setOutputs(List.of(g.apply1(op, lv, rv)));
        HostTensor tl = new Transpose(lp).evaluate(List.of(lhs)).get(0), tr = new Transpose(rp).evaluate(List.of(rhs)).get(0);
        TensorType out = op.inferTypes(List.of(tl.type(), tr.type())).get(0);
        HostTensor want = DotKernel.dotGeneral(op, tl, tr, out), got = exec.run(g, List.of(lhs, rhs)).get(0);
        String dims = what + ": " + dtype + " " + Shape.of(lhsShape) + " x " + Shape.of(rhsShape) + " lhs transposed by " + Arrays.toString(lp)
                + ", rhs by " + Arrays.toString(rp) + (mode == 3 ? " (in two steps)" : "");
        assertEquals(want.type(), got.type(), dims);
        float[] w = want.floats(), r = got.floats();
        for (int i = 0; i < w.length; i++) {
            if (Float.floatToRawIntBits(w[i]) != Float.floatToRawIntBits(r[i])) fail(dims + ": element " + i + " is " + r[i] + ", unfolded " + w[i]);
        }
        return transposes(TransposeFolding.apply(g)) == 0;
    }

    private static int transposes(Graph g) { return (int) g.liveNodes().stream().map(Node::op).filter(o -> o instanceof Transpose).count(); }

    private HostTensor random(Shape s, DType dtype) {
        float[] v = new float[s.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = rnd.nextFloat() * 2 - 1;
        return dtype == DType.F32 ? HostTensor.of(s, v) : HostTensor.fromFloats(dtype, s, v);
    }

    private int[] shuffled(int n) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(i);
        Collections.shuffle(l, rnd);
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] identity(int n) { return range(0, n); }

    private static boolean isIdentity(int[] p) { return Arrays.equals(p, identity(p.length)); }

    private static int[] range(int from, int to) { return java.util.stream.IntStream.range(from, to).toArray(); }

    private static int[] inverse(int[] p) {
        int[] inv = new int[p.length];
        for (int i = 0; i < p.length; i++) inv[p[i]] = i;
        return inv;
    }

    /** Dimension d of the result is dims[p[d]]. */
    private static int[] permute(int[] dims, int[] p) {
        int[] r = new int[p.length];
        for (int d = 0; d < p.length; d++) r[d] = dims[p[d]];
        return r;
    }

    private static int[] concat(int[]... parts) { return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray(); }
}
