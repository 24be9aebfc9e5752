package monetj.core.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import monetj.core.nn.Initializer;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * Fresh weights for pretraining, as the Hugging Face code initialises Monet (spec §8): projection, expert,
 * router, embedding and head matrices N(0, initializer_range); biases and the expert biases b/b1/b2 zero;
 * norm weights one; BatchNorm running mean 0, variance 1, no batches tracked. Each tensor depends only on
 * (seed, name), so adding a layer never changes the others.
 */
public final class MonetInitializer {
    private MonetInitializer() {}

    public static Map<String, HostTensor> initialize(MonetConfig config, long seed) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (var e : MonetParameters.layout(config).entrySet()) {
            String name = e.getKey();
            TensorType t = e.getValue().type();
            out.put(name, initializerFor(name, config).create(t, new SplittableRandom(Initializer.seedFor(seed, name))));
        }
        return out;
    }

    static Initializer initializerFor(String name, MonetConfig config) {
        if (name.endsWith("num_batches_tracked")) return (t, rng) -> HostTensor.zeros(DType.S64, t.shape());
        if (name.endsWith("running_var") || name.endsWith("norm.weight") || name.endsWith("layernorm.weight")) return Initializer.ones();
        if (name.endsWith("running_mean") || name.endsWith(".bias") || !MonetParameters.isDecayed(name)) return Initializer.zeros();
        return Initializer.normal(config.initializerRange());
    }
}
