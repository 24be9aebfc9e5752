package monetj.core.dsl;

import java.util.ArrayList;
import java.util.List;
import monetj.core.ir.CustomVjp;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Value;

/**
 * A sub-function whose gradient is supplied by the user rather than derived from its traced body, e.g. a
 * fused kernel with a hand-written backward pass, or a numerically safer gradient:
 *
 * <pre>{@code
 * CustomGradient clipped = CustomGradient.of("clipped_identity",
 *         in -> List.of(in.get(0)),
 *         (in, out, ct) -> List.of(ct.get(0).clamp(-1, 1)));
 * Tensor y = clipped.apply1(x);
 * }</pre>
 *
 * The forward body is traced into the caller's graph each time the function is applied; the results pass
 * through a {@link CustomVjp} node whose gradient rule calls {@code backward}.
 */
public final class CustomGradient {
    /** The forward computation: results from inputs. */
    @FunctionalInterface
    public interface Forward {
        List<Tensor> apply(List<Tensor> inputs);
    }

    private final String name;
    private final Forward forward;
    private final CustomVjp.Backward backward;

    private CustomGradient(String name, Forward forward, CustomVjp.Backward backward) {
        this.name = name;
        this.forward = forward;
        this.backward = backward;
    }

    /**
     * {@code backward} receives the inputs, the results and the results' cotangents (zeros for results that
     * received none) and returns one cotangent per input, typed like it (null for non-floating inputs).
     */
    public static CustomGradient of(String name, Forward forward, CustomVjp.Backward backward) {
        return new CustomGradient(name, forward, backward);
    }

    public String name() { return name; }

    /** Traces the function on {@code inputs} and returns its results. */
    public List<Tensor> apply(List<Tensor> inputs) {
        if (inputs.isEmpty()) throw new IllegalArgumentException("custom gradient '" + name + "' needs at least one input");
        Graph g = inputs.get(0).graph();
        List<Tensor> results = forward.apply(List.copyOf(inputs));
        if (results.isEmpty()) throw new IllegalArgumentException("custom gradient '" + name + "': the forward function returned no results");
        List<Value> operands = new ArrayList<>();
        for (Tensor t : inputs) operands.add(checkGraph(g, t, "input"));
        for (Tensor t : results) operands.add(checkGraph(g, t, "result"));
        Node n = g.apply(new CustomVjp(name, inputs.size(), this::checkedBackward), operands);
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) out.add(new Tensor(g, n.out(i)));
        return out;
    }

    /** Single-result form of {@link #apply(List)}. */
    public Tensor apply1(Tensor... inputs) {
        List<Tensor> r = apply(List.of(inputs));
        if (r.size() != 1) throw new IllegalArgumentException("custom gradient '" + name + "' has " + r.size() + " results; use apply");
        return r.get(0);
    }

    private Value checkGraph(Graph g, Tensor t, String role) {
        if (t.graph() != g) throw new IllegalArgumentException("custom gradient '" + name + "': " + role + " " + t + " belongs to another graph");
        return t.value();
    }

    private List<Tensor> checkedBackward(List<Tensor> inputs, List<Tensor> outputs, List<Tensor> cotangents) {
        List<Tensor> cts = new ArrayList<>(cotangents);
        for (int i = 0; i < cts.size(); i++) if (cts.get(i) == null) cts.set(i, outputs.get(i).zerosLike());
        List<Tensor> grads = backward.apply(inputs, outputs, cts);
        for (int i = 0; i < Math.min(grads.size(), inputs.size()); i++) {
            Tensor gi = grads.get(i);
            if (gi != null && !gi.type().equals(inputs.get(i).type())) {
                throw new IllegalStateException("custom gradient '" + name + "': cotangent " + i + " is " + gi.type() + " but input " + i + " is " + inputs.get(i).type());
            }
        }
        return grads;
    }

    @Override
    public String toString() { return "CustomGradient[" + name + "]"; }
}
