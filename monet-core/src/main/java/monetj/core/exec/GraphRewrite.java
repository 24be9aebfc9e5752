package monetj.core.exec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Parameter;
import monetj.core.ir.Value;

/**
 * What the executor's compile-time rewrites share: a graph copied node for node (so node ids are kept, and a node a
 * rewrite drops stays behind, dead) with chosen nodes replaced, and how many times each node is read.
 */
final class GraphRewrite {
    private GraphRewrite() {}

    /** A node's copy in the new graph, or null to copy it as it is. */
    @FunctionalInterface
    interface Replacement {
        Node replace(Node n, Graph out, Copies copies);
    }

    /** The copies made so far, by the old graph's node ids. */
    static final class Copies {
        private final Node[] copy;

        private Copies(int nodes) { copy = new Node[nodes]; }

        /** The copy of {@code v}, which must come before the node being copied. */
        Value of(Value v) { return copy[v.node().id()].out(v.index()); }

        /** The copy of the node with id {@code id}. */
        Node node(int id) { return copy[id]; }
    }

    /** {@code graph} copied with the nodes {@code replacement} gives; outputs, shardings and axis rules carried over. */
    static Graph copy(Graph graph, Replacement replacement) {
        Graph out = new Graph(graph.name());
        List<Node> nodes = graph.nodes();
        Copies copies = new Copies(nodes.size());
        for (Node n : nodes) {
            Node c = n.op() instanceof Parameter p ? out.parameter(p.paramName(), p.type()).node() : replacement.replace(n, out, copies);
            if (c == null) {
                List<Value> in = new ArrayList<>(n.inputs().size());
                for (Value v : n.inputs()) in.add(copies.of(v));
                c = out.apply(n.op(), in);
            }
            copies.copy[n.id()] = c;
        }
        out.setOutputs(graph.outputs().stream().map(copies::of).toList());
        graph.shardings().forEach((v, s) -> out.shard(copies.of(v), s));
        out.setAxisRules(graph.axisRules());
        return out;
    }

    /** How many times each live node is read, by node id, a program output counting as a read. */
    static Map<Integer, Integer> reads(Graph graph) {
        Map<Integer, Integer> reads = new HashMap<>();
        for (Node n : graph.liveNodes()) for (Value v : n.inputs()) reads.merge(v.node().id(), 1, Integer::sum);
        for (Value v : graph.outputs()) reads.merge(v.node().id(), 1, Integer::sum);
        return reads;
    }
}
