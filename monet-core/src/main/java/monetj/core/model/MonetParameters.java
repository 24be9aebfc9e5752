package monetj.core.model;

import java.util.LinkedHashMap;
import java.util.Map;
import monetj.core.tensor.DType;
import monetj.core.tensor.TensorType;

/**
 * Every tensor of a Monet model under its Hugging Face name, with its type: trainable parameters, and the
 * routers' BatchNorm buffers (running statistics and step counter), which are state but not parameters.
 */
public final class MonetParameters {
    private MonetParameters() {}

    /** One named tensor of the checkpoint. */
    public record Entry(TensorType type, boolean trainable) {}

    /** Name → entry in the order of the HF model: embeddings, layers 0..L-1, final norm, lm_head. */
    public static Map<String, Entry> layout(MonetConfig c) {
        Map<String, Entry> m = new LinkedHashMap<>();
        int d = c.hiddenSize(), qDim = c.numAttentionHeads() * c.headDim(), kvDim = c.numKeyValueHeads() * c.headDim();
        int e = c.moeExperts(), dim = c.moeDim(), h = c.moeHeads();
        param(m, "model.embed_tokens.weight", c.vocabSize(), d);
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String p = "model.layers." + l + ".";
            param(m, p + "self_attn.q_proj.weight", qDim, d);
            param(m, p + "self_attn.k_proj.weight", kvDim, d);
            param(m, p + "self_attn.v_proj.weight", kvDim, d);
            param(m, p + "self_attn.o_proj.weight", d, qDim);
            if (c.moeDecompose() == MonetConfig.Decompose.HORIZONTAL) {
                param(m, p + "moe.u.weight", e * dim, d);
                param(m, p + "moe.u.bias", e * dim);
                param(m, p + "moe.v.weight", d, e * dim);
                param(m, p + "moe.b", e, d);
            } else {
                int half = dim / 2;
                param(m, p + "moe.u1.weight", e * half, d);
                param(m, p + "moe.u1.bias", e * half);
                param(m, p + "moe.u2.weight", e * half, d);
                param(m, p + "moe.u2.bias", e * half);
                for (String v : new String[] {"v11", "v12", "v21", "v22"}) param(m, p + "moe." + v + ".weight", d / 2, e * half);
                param(m, p + "moe.b1", e, d / 2);
                param(m, p + "moe.b2", e, d / 2);
            }
            if (c.hasRouter(l)) {
                param(m, p + "router.w1.weight", h * e, d);
                param(m, p + "router.w2.weight", h * e, d);
                for (String norm : new String[] {"norm1", "norm2"}) {
                    buffer(m, p + "router." + norm + ".running_mean", TensorType.of(DType.F32, h));
                    buffer(m, p + "router." + norm + ".running_var", TensorType.of(DType.F32, h));
                    buffer(m, p + "router." + norm + ".num_batches_tracked", TensorType.of(DType.S64));
                }
            }
            param(m, p + "input_layernorm.weight", d);
            param(m, p + "post_attention_layernorm.weight", d);
        }
        param(m, "model.norm.weight", d);
        if (!c.tieWordEmbeddings()) param(m, "lm_head.weight", c.vocabSize(), d);
        return m;
    }

    private static void param(Map<String, Entry> m, String name, int... dims) {
        m.put(name, new Entry(TensorType.of(DType.F32, dims), true));
    }

    private static void buffer(Map<String, Entry> m, String name, TensorType t) { m.put(name, new Entry(t, false)); }

    /**
     * Names that get no weight decay: norms, biases and the expert biases b / b1 / b2 (everything that is not
     * a matrix of a projection, an expert or an embedding).
     */
    public static boolean isDecayed(String name) {
        if (name.endsWith("layernorm.weight") || name.equals("model.norm.weight") || name.endsWith(".bias")) return false;
        return !(name.endsWith(".moe.b") || name.endsWith(".moe.b1") || name.endsWith(".moe.b2"));
    }
}
