package monetj.core.exec;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import monetj.core.ir.Binary;
import monetj.core.ir.BroadcastInDim;
import monetj.core.ir.Constant;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Scatter;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;

/**
 * Compile-time rewrite of {@code add(x, scatter(zeros, i, u))}, the shape of a one-hot or embedding gradient, where
 * only the add reads the f32 scatter: into {@code add_scattered(add(x, zeros), i, u)} (see {@link AddScattered}), so
 * no zeros are written and no pass reads them; the {@code x + 0} joins x's fused loop. Bit for bit the same: where no
 * window reaches, both give {@code x + 0}; where one does, the reference gives {@code x + s} and the rewrite
 * {@code (x + 0) + s}, with s the scatter's sum from +0, which is never -0: {@code x + 0} differs from x only for
 * x = -0 (giving +0), and {@code -0 + s == +0 + s} for every s but -0. Likewise with the operands swapped.
 * Node ids are kept: the new add takes the scatter's place and add_scattered the old add's.
 */
final class ScatterAddRewrite {
    private ScatterAddRewrite() {}

    /** The add, its scatter, and which operand the scatter was. */
    private record Match(Node add, Node scatter, boolean scatterFirst) {
        Value x() { return add.inputs().get(scatterFirst ? 1 : 0); }

        Value zeros() { return scatter.inputs().get(0); }
    }

    /** {@code graph} with every such add rewritten, or {@code graph} itself when it has none. */
    static Graph apply(Graph graph) {
        Map<Integer, Integer> users = GraphRewrite.reads(graph);
        Map<Integer, Match> atScatter = new HashMap<>(), atAdd = new HashMap<>();
        for (Node n : graph.liveNodes()) {
            Match m = match(n, users);
            if (m != null) {
                atScatter.put(m.scatter().id(), m);
                atAdd.put(n.id(), m);
            }
        }
        if (atAdd.isEmpty()) return graph;
        return GraphRewrite.copy(graph, (n, out, copies) -> {
            Match m;
            if ((m = atScatter.get(n.id())) != null) {
                Value x = copies.of(m.x()), zeros = copies.of(m.zeros());
                return out.apply(new Binary(Binary.Kind.ADD), m.scatterFirst() ? List.of(zeros, x) : List.of(x, zeros));
            }
            if ((m = atAdd.get(n.id())) != null) {
                List<Value> in = List.of(copies.node(m.scatter().id()).out(), copies.of(m.scatter().inputs().get(1)), copies.of(m.scatter().inputs().get(2)));
                return out.apply(new AddScattered((Scatter) m.scatter().op(), m.scatterFirst()), in);
            }
            return null;
        });
    }

    /** The rewrite {@code add} allows, or null. */
    private static Match match(Node add, Map<Integer, Integer> users) {
        if (!(add.op() instanceof Binary b) || b.kind() != Binary.Kind.ADD || add.types().get(0).dtype() != DType.F32) return null;
        Value l = add.inputs().get(0), r = add.inputs().get(1);
        if (l.node() == r.node()) return null;
        for (boolean scatterFirst : new boolean[] {false, true}) {
            Value s = scatterFirst ? l : r, x = scatterFirst ? r : l;
            Node scatter = s.node();
            // x must exist before the scatter's position, where its x + 0 is put
            if (scatter.op() instanceof Scatter && users.get(scatter.id()) == 1 && isPositiveZeros(scatter.inputs().get(0)) && x.node().id() < scatter.id()) {
                return new Match(add, scatter, scatterFirst);
            }
        }
        return null;
    }

    /** A broadcast of the f32 constant +0. */
    private static boolean isPositiveZeros(Value v) {
        if (!(v.node().op() instanceof BroadcastInDim) || !(v.node().inputs().get(0).node().op() instanceof Constant c)) return false;
        HostTensor t = c.value();
        return t.dtype() == DType.F32 && t.size() == 1 && Float.floatToRawIntBits(t.floats()[0]) == 0;
    }
}
