package monetj.core.model;

import java.util.LinkedHashMap;
import java.util.Map;
import monetj.core.nn.Param;
import monetj.core.tensor.TensorType;

/**
 * Every tensor of a Monet model under its Hugging Face name, with its type: the trainable parameters and the
 * routers' BatchNorm buffers, in checkpoint order, as {@link MonetModel} declares them.
 */
public final class MonetParameters {
    private MonetParameters() {}

    /** One named tensor of the checkpoint. */
    public record Entry(TensorType type, boolean trainable) {}

    /** Name → entry in the order of the HF model: embeddings, layers 0..L-1, final norm, lm_head. */
    public static Map<String, Entry> layout(MonetConfig c) {
        Map<String, Entry> m = new LinkedHashMap<>();
        for (Param p : new MonetModel(c).variables()) m.put(p.path(), new Entry(p.type(), p.trainable()));
        return m;
    }

    /**
     * Names that get no weight decay: norms, biases and the expert biases b / b1 / b2 (everything that is not
     * a matrix of a projection, an expert or an embedding).
     */
    public static boolean isDecayed(String name) {
        if (name.endsWith("layernorm.weight") || name.equals("model.norm.weight") || name.endsWith(".bias")) return false;
        return !(name.endsWith(".moe.b") || name.endsWith(".moe.b1") || name.endsWith(".moe.b2"));
    }
}
