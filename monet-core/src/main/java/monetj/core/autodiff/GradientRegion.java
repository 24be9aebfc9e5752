package monetj.core.autodiff;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import monetj.core.dsl.Tensor;
import monetj.core.ir.CustomVjp;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.OptimizationBarrier;
import monetj.core.ir.Value;

/**
 * A traced region (a decoder layer) whose backward pass is the VJP of the region alone, as {@code jax.checkpoint}
 * does: the region's results pass through a {@link CustomVjp} node whose gradient rule differentiates the
 * region's nodes from the results' cotangents to the values the region read from outside (its free inputs:
 * the layer input, its parameters, shared constants). {@link Policy#SAVE} differentiates the traced nodes
 * themselves, reading the activations the forward pass kept; {@link Policy#RECOMPUTE} first passes the free
 * inputs through an {@code optimization_barrier} (so that a compiler cannot merge the recomputation into the
 * forward pass) and re-emits the region's nodes on them, so its activations are recomputed in the backward pass
 * instead of kept. Both give bitwise the same gradients: the same ops on the same values, summed in the same order.
 */
public final class GradientRegion {
    /** What the backward pass of a region reads. */
    public enum Policy {
        /** The activations of the forward pass (no rematerialisation). */
        SAVE,
        /** Activations recomputed from the free inputs (rematerialisation). */
        RECOMPUTE
    }

    private GradientRegion() {}

    /** Traces {@code body} into {@code g} as one region; returns its results, to be used in place of the body's. */
    public static List<Tensor> trace(Graph g, String name, Policy policy, Supplier<List<Tensor>> body) {
        int start = g.nodes().size();
        List<Tensor> results = body.get();
        int end = g.nodes().size();
        Set<Value> free = new LinkedHashSet<>();
        for (int id = start; id < end; id++) for (Value in : g.nodes().get(id).inputs()) if (in.node().id() < start) free.add(in);
        List<Value> inner = new ArrayList<>(); // results computed in the region (a result may also pass an input through)
        for (Tensor r : results) if (r.value().node().id() >= start && !inner.contains(r.value())) inner.add(r.value());
        if (inner.isEmpty()) return results;
        List<Value> freeInputs = List.copyOf(free);
        List<Value> operands = new ArrayList<>(freeInputs);
        operands.addAll(inner);
        CustomVjp.Backward backward = (ins, outs, cts) -> backward(g, policy, start, end, freeInputs, inner, cts);
        Node n = g.apply(new CustomVjp(name, freeInputs.size(), backward), operands);
        List<Tensor> out = new ArrayList<>();
        for (Tensor r : results) {
            int k = inner.indexOf(r.value());
            out.add(k < 0 ? r : new Tensor(g, n.out(k)));
        }
        return out;
    }

    private static List<Tensor> backward(Graph g, Policy policy, int start, int end, List<Value> free, List<Value> inner, List<Tensor> cotangents) {
        Map<Value, Value> replaced = new HashMap<>(); // region value -> the value the backward pass differentiates
        int from = start, to = end;
        if (policy == Policy.RECOMPUTE) {
            Node barrier = g.apply(new OptimizationBarrier(), free);
            for (int i = 0; i < free.size(); i++) replaced.put(free.get(i), barrier.out(i));
            from = g.nodes().size();
            for (int id = start; id < end; id++) {
                Node original = g.nodes().get(id);
                List<Value> ins = new ArrayList<>();
                for (Value v : original.inputs()) ins.add(replaced.getOrDefault(v, v));
                Node copy = g.apply(original.op(), ins);
                for (int k = 0; k < original.types().size(); k++) replaced.put(original.out(k), copy.out(k));
            }
            to = g.nodes().size();
        }
        List<Tensor> outputs = new ArrayList<>(), seeds = new ArrayList<>();
        for (int i = 0; i < inner.size(); i++) {
            if (cotangents.get(i) == null || !inner.get(i).dtype().isFloating()) continue;
            outputs.add(new Tensor(g, replaced.getOrDefault(inner.get(i), inner.get(i))));
            seeds.add(cotangents.get(i));
        }
        List<Tensor> wrt = new ArrayList<>();
        for (Value v : free) if (v.dtype().isFloating()) wrt.add(new Tensor(g, replaced.getOrDefault(v, v)));
        List<Tensor> grads = outputs.isEmpty() ? wrt.stream().map(Tensor::zerosLike).toList() : Autodiff.vjp(g, from, to, outputs, seeds, wrt);
        List<Tensor> result = new ArrayList<>();
        int k = 0;
        for (Value v : free) result.add(v.dtype().isFloating() ? grads.get(k++) : null);
        return result;
    }
}
