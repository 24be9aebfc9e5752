package monetj.core.exec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Transpose;
import monetj.core.ir.Value;
import monetj.core.tensor.Shape;

/**
 * Compile-time folding of transposes into the ops that read them, so the transposed copy is never made (XLA's
 * transpose folding does the same for its dots): a transpose read only by dot_generals is dropped and each dot reads
 * the transpose's operand, its batch and contracting dimensions renamed through the permutation; a transpose read
 * only by another transpose becomes part of that one. A dot takes the fold only when the transpose keeps its free
 * dimensions in order (the result's dimensions are the same) and the renamed operand can still be read in place as
 * matrices (one stride per group of dimensions, as {@link DotKernel} reads it); then it multiplies the same matrices,
 * element for element, with the same kernels. Node ids are kept: every node is copied, the folded transposes stay
 * behind, dead.
 */
final class TransposeFolding {
    private TransposeFolding() {}

    /** {@code graph} with its foldable transposes folded, or {@code graph} itself when it has none. */
    static Graph apply(Graph graph) {
        List<Node> live = graph.liveNodes();
        Map<Integer, List<Node>> users = new HashMap<>();
        for (Node n : live) for (Value v : n.inputs()) users.computeIfAbsent(v.node().id(), k -> new ArrayList<>()).add(n);
        for (Value v : graph.outputs()) users.computeIfAbsent(v.node().id(), k -> new ArrayList<>()).add(null); // an output is never folded away
        Map<Integer, Transpose> folded = new HashMap<>(); // transpose node id -> its permutation, for the transposes dropped
        for (Node n : live) {
            if (n.op() instanceof Transpose t && users.get(n.id()).stream().allMatch(u -> u != null && folds(n, t, u, folded))) folded.put(n.id(), t);
        }
        if (folded.isEmpty()) return graph;
        return GraphRewrite.copy(graph, (n, out, copies) -> {
            List<Value> in = new ArrayList<>(n.inputs().size());
            for (Value v : n.inputs()) in.add(copies.of(folded.containsKey(v.node().id()) ? source(v, folded) : v));
            return out.apply(rewritten(n, folded), in);
        });
    }

    /** The value a chain of folded transposes starts from. */
    private static Value source(Value v, Map<Integer, Transpose> folded) {
        while (folded.containsKey(v.node().id())) v = v.node().inputs().get(0);
        return v;
    }

    /** The permutation from the value a chain of folded transposes starts from to {@code v}: v's dimension d is the source's p[d]. */
    private static int[] permutation(Value v, Map<Integer, Transpose> folded) {
        int[] p = null;
        while (folded.containsKey(v.node().id())) {
            int[] step = folded.get(v.node().id()).permutation();
            p = p == null ? step.clone() : compose(p, step);
            v = v.node().inputs().get(0);
        }
        return p;
    }

    /** The dimension numbers of {@code n} renamed through the folded transposes it reads (a transpose: its permutation). */
    private static monetj.core.ir.Op rewritten(Node n, Map<Integer, Transpose> folded) {
        if (n.op() instanceof Transpose t && folded.containsKey(n.inputs().get(0).node().id())) {
            return new Transpose(compose(t.permutation(), permutation(n.inputs().get(0), folded)));
        }
        if (!(n.op() instanceof DotGeneral d)) return n.op();
        int[] lp = permutation(n.inputs().get(0), folded), rp = permutation(n.inputs().get(1), folded);
        if (lp == null && rp == null) return d;
        return new DotGeneral(rename(d.lhsBatch(), lp), rename(d.rhsBatch(), rp), rename(d.lhsContract(), lp), rename(d.rhsContract(), rp), d.precision(), d.preferred());
    }

    /** {@code outer} after {@code inner}: dimension d of the outer transpose's result is inner[outer[d]] of the source. */
    private static int[] compose(int[] outer, int[] inner) {
        int[] q = new int[outer.length];
        for (int d = 0; d < q.length; d++) q[d] = inner[outer[d]];
        return q;
    }

    private static int[] rename(int[] dims, int[] p) {
        if (p == null) return dims;
        int[] r = new int[dims.length];
        for (int i = 0; i < r.length; i++) r[i] = p[dims[i]];
        return r;
    }

    /**
     * Whether {@code user} can read through the transpose {@code n} (and the folded transposes before it): another
     * transpose, or a dot on each side it reads it from.
     */
    private static boolean folds(Node n, Transpose t, Node user, Map<Integer, Transpose> folded) {
        if (user.op() instanceof Transpose) return true;
        if (!(user.op() instanceof DotGeneral d)) return false;
        Value before = n.inputs().get(0);
        int[] inner = permutation(before, folded), p = inner == null ? t.permutation() : compose(t.permutation(), inner);
        Shape source = source(before, folded).shape();
        for (int side = 0; side < 2; side++) {
            if (user.inputs().get(side).node() != n) continue;
            int[] batch = side == 0 ? d.lhsBatch() : d.rhsBatch(), contract = side == 0 ? d.lhsContract() : d.rhsContract();
            int[] free = DotGeneral.freeDims(p.length, batch, contract);
            for (int i = 1; i < free.length; i++) if (p[free[i - 1]] > p[free[i]]) return false;
            int[] rows = side == 0 ? rename(free, p) : rename(contract, p);
            int[] cols = side == 0 ? rename(contract, p) : rename(free, p);
            long[] strides = source.strides();
            if (DotKernel.groupStride(source, strides, rows) < 0 || DotKernel.groupStride(source, strides, cols) < 0) return false;
        }
        return true;
    }
}
