package monetj.core.exec;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Transpose;
import monetj.core.ir.Value;

/**
 * Compile-time rewrite of {@code transpose(dot_general(a, b))} whose permutation swaps the result's lhs and rhs free
 * dimensions (batch dimensions and the order inside each group kept), where only the transpose reads the product,
 * into {@code dot_general(b, a)}: the product is written in the transposed order and no transposed copy is made.
 * Only for tiny products ({@link F32SmallProduct#suits}): there every element of C is the depth-order chain
 * {@code c = fma(a[p], b[p], c)} from +0 (f64 and integer operands: the same order of plain sums) on every path,
 * and a product's rounding does not depend on the order of its factors, so the swapped product gives the same bits.
 * Node ids are kept: the swapped dot takes the transpose's place, the old dot stays behind, dead.
 */
final class SwappedDotRewrite {
    private SwappedDotRewrite() {}

    /** {@code graph} with every such transpose rewritten, or {@code graph} itself when it has none. */
    static Graph apply(Graph graph) {
        Map<Integer, Integer> users = GraphRewrite.reads(graph);
        Map<Integer, DotGeneral> swapped = new HashMap<>(); // transpose node id -> the dot that replaces it
        for (Node n : graph.liveNodes()) {
            DotGeneral d = n.op() instanceof Transpose t ? swapped(t, n.inputs().get(0), users) : null;
            if (d != null) swapped.put(n.id(), d);
        }
        if (swapped.isEmpty()) return graph;
        return GraphRewrite.copy(graph, (n, out, copies) -> {
            DotGeneral d = swapped.get(n.id());
            if (d == null) return null;
            Node dot = n.inputs().get(0).node();
            return out.apply(d, List.of(copies.of(dot.inputs().get(1)), copies.of(dot.inputs().get(0))));
        });
    }

    /** The dot with its operands swapped that gives {@code transpose(t, product)}, or null when there is none to give. */
    private static DotGeneral swapped(Transpose t, Value product, Map<Integer, Integer> users) {
        if (!(product.node().op() instanceof DotGeneral d) || users.get(product.node().id()) != 1) return null;
        List<Value> in = product.node().inputs();
        int rank = in.get(0).shape().rank(), rhsRank = in.get(1).shape().rank();
        int[] lf = DotGeneral.freeDims(rank, d.lhsBatch(), d.lhsContract()), rf = DotGeneral.freeDims(rhsRank, d.rhsBatch(), d.rhsContract());
        int b = d.lhsBatch().length;
        if (lf.length == 0 || rf.length == 0) return null; // nothing to swap
        // result dims: batch [0, b), lhs free [b, b + lf), rhs free after; the swap puts the rhs free ones first
        int[] wanted = IntStream.concat(IntStream.concat(IntStream.range(0, b), IntStream.range(b + lf.length, b + lf.length + rf.length)),
                IntStream.range(b, b + lf.length)).toArray();
        if (!java.util.Arrays.equals(t.permutation(), wanted)) return null;
        int m = DotKernel.product(in.get(0).shape(), lf), k = DotKernel.product(in.get(0).shape(), d.lhsContract()), n = DotKernel.product(in.get(1).shape(), rf);
        if (!F32SmallProduct.suits(m, k, n)) return null;
        return new DotGeneral(d.rhsBatch(), d.lhsBatch(), d.rhsContract(), d.lhsContract(), d.precision(), d.preferred());
    }
}
