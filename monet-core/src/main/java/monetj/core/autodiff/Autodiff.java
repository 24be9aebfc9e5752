package monetj.core.autodiff;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Value;
import monetj.core.ir.VjpArgs;

/**
 * Reverse-mode differentiation of a graph: walks the nodes between the inputs of interest and the outputs
 * backwards, calling each op's gradient rule and summing cotangents, and appends the backward pass to the
 * same graph. Integer and boolean values carry no cotangent.
 */
public final class Autodiff {
    private Autodiff() {}

    /** Cotangents of {@code wrt} given cotangents {@code seeds} of {@code outputs} (zeros where unreached). */
    public static List<Tensor> vjp(Graph g, List<Tensor> outputs, List<Tensor> seeds, List<Tensor> wrt) {
        return vjp(g, 0, g.nodes().size(), outputs, seeds, wrt);
    }

    /**
     * The VJP of a region: only the nodes {@code from <= id < to} are differentiated (the outputs are among them,
     * {@code wrt} may lie before them). Cotangents flowing to values outside the region other than {@code wrt}
     * are dropped: the region's own backward pass, as for a rematerialised layer.
     */
    public static List<Tensor> vjp(Graph g, int from, int to, List<Tensor> outputs, List<Tensor> seeds, List<Tensor> wrt) {
        if (outputs.size() != seeds.size()) throw new IllegalArgumentException(outputs.size() + " outputs but " + seeds.size() + " seeds");
        int limit = to; // the backward nodes appended below are not revisited
        boolean[] fromWrt = new boolean[limit];
        for (Tensor w : wrt) {
            if (!w.dtype().isFloating()) throw new IllegalArgumentException("cannot differentiate with respect to " + w.type() + " (not floating point)");
            if (w.value().node().id() < limit) fromWrt[w.value().node().id()] = true;
        }
        for (int id = from; id < limit; id++) {
            Node n = g.nodes().get(id);
            if (fromWrt[id]) continue;
            for (Value in : n.inputs()) if (fromWrt[in.node().id()]) { fromWrt[id] = true; break; }
        }
        Map<Value, Tensor> ct = new HashMap<>();
        for (int i = 0; i < outputs.size(); i++) {
            Tensor o = outputs.get(i), s = seeds.get(i);
            if (!s.type().equals(o.type())) throw new IllegalArgumentException("seed " + s.type() + " does not match output " + o.type());
            accumulate(ct, o.value(), s);
        }
        for (int id = limit - 1; id >= from; id--) {
            Node n = g.nodes().get(id);
            if (!fromWrt[id] || n.inputs().isEmpty()) continue;
            List<Tensor> cts = new ArrayList<>();
            boolean any = false;
            for (int k = 0; k < n.types().size(); k++) {
                Tensor c = ct.get(n.out(k));
                cts.add(c);
                any |= c != null;
            }
            if (!any) continue;
            List<Tensor> ins = new ArrayList<>(), outs = new ArrayList<>();
            for (Value v : n.inputs()) ins.add(new Tensor(g, v));
            for (int k = 0; k < n.types().size(); k++) outs.add(new Tensor(g, n.out(k)));
            List<Tensor> grads = n.op().vjp(new VjpArgs(n, ins, outs, cts));
            for (int k = 0; k < n.inputs().size(); k++) {
                Value in = n.inputs().get(k);
                Tensor gk = grads.get(k);
                if (gk == null || !fromWrt[in.node().id()] || !in.dtype().isFloating()) continue;
                if (!gk.type().equals(in.type())) {
                    throw new IllegalStateException("gradient rule of " + n.op().name() + " gave " + gk.type() + " for operand " + k + " of type " + in.type());
                }
                accumulate(ct, in, gk);
            }
        }
        List<Tensor> result = new ArrayList<>();
        for (Tensor w : wrt) {
            Tensor c = ct.get(w.value());
            result.add(c != null ? c : w.zerosLike());
        }
        return result;
    }

    private static void accumulate(Map<Value, Tensor> ct, Value v, Tensor g) {
        ct.merge(v, g, Tensor::add);
    }

    /** Gradient of a scalar {@code loss} with respect to {@code wrt}. */
    public static List<Tensor> grad(Tensor loss, List<Tensor> wrt) {
        if (loss.rank() != 0) throw new IllegalArgumentException("grad needs a scalar loss, got " + loss.type());
        return vjp(loss.graph(), List.of(loss), List.of(loss.onesLike()), wrt);
    }
}
