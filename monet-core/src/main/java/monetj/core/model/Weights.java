package monetj.core.model;

import java.util.Map;
import monetj.core.dsl.Tensor;

/**
 * A view of traced model tensors by Hugging Face name, scoped to a module path, so that each layer asks for
 * its weights by their local names ("self_attn.q_proj.weight") and the checkpoint keys stay the single
 * source of naming.
 */
public record Weights(Map<String, Tensor> all, String prefix) {
    public static Weights of(Map<String, Tensor> all) { return new Weights(all, ""); }

    public Weights scope(String name) { return new Weights(all, prefix + name + "."); }

    public Tensor get(String name) {
        Tensor t = all.get(prefix + name);
        if (t == null) throw new IllegalArgumentException("model weight '" + prefix + name + "' is missing");
        return t;
    }
}
