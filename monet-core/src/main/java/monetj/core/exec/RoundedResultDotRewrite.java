package monetj.core.exec;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import monetj.core.ir.Convert;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;

/**
 * Compile-time rewrite of {@code convert(p, bf16)}, and of the round trip {@code convert(convert(p, bf16), f32)}, where
 * p is an f32 product of bf16 values ({@code dot_general} of bf16 operands, or a {@link RoundedOperandDot}) that nothing
 * else reads, into {@link RoundedResultDot}: the product's result is rounded right after it is computed (the same
 * operations on the same f32 values, so the same bits) instead of by a pass of its own over memory. In a bf16-mixed step
 * nearly every product's result is rounded so. Products of f32 operands are left alone: the tiny ones keep the plan
 * {@link DotNodeKernel} binds at compile time. Node ids are kept: the rounded product takes the (last) convert's place,
 * the product and a first convert stay behind, dead.
 */
final class RoundedResultDotRewrite {
    private RoundedResultDotRewrite() {}

    /** {@code graph} with every such convert rewritten, or {@code graph} itself when it has none. */
    static Graph apply(Graph graph) {
        Map<Integer, Integer> reads = GraphRewrite.reads(graph);
        Map<Integer, Node> reader = new HashMap<>(); // by node id: a node reading it (the only one where it is read once)
        for (Node m : graph.liveNodes()) for (Value v : m.inputs()) reader.put(v.node().id(), m);
        Map<Integer, RoundedResultDot> rounded = new HashMap<>(); // the convert replaced -> its replacement
        Map<Integer, Node> products = new HashMap<>();            // the convert replaced -> the product it rounds
        for (Node n : graph.liveNodes()) {
            if (!converts(n, DType.F32, DType.BF16)) continue;
            Node product = n.inputs().get(0).node();
            if (!isBf16Product(product) || reads.get(product.id()) != 1) continue;
            Node last = n, trip = reads.get(n.id()) == 1 ? reader.get(n.id()) : null; // null also when the only read is as a program output
            if (trip != null && converts(trip, DType.BF16, DType.F32)) last = trip;
            rounded.put(last.id(), new RoundedResultDot(product.op(), last == n ? DType.BF16 : DType.F32));
            products.put(last.id(), product);
        }
        if (rounded.isEmpty()) return graph;
        return GraphRewrite.copy(graph, (n, out, copies) -> {
            RoundedResultDot r = rounded.get(n.id());
            if (r == null) return null;
            List<Value> in = products.get(n.id()).inputs();
            return out.apply(r, List.of(copies.of(in.get(0)), copies.of(in.get(1))));
        });
    }

    private static boolean converts(Node n, DType from, DType to) {
        return n.op() instanceof Convert c && c.target() == to && n.inputs().get(0).dtype() == from;
    }

    /** An f32 product of bf16 values. */
    private static boolean isBf16Product(Node n) {
        if (n.types().get(0).dtype() != DType.F32) return false;
        if (n.op() instanceof RoundedOperandDot) return true;
        return n.op() instanceof DotGeneral && n.inputs().get(0).dtype() == DType.BF16 && n.inputs().get(1).dtype() == DType.BF16;
    }

}
