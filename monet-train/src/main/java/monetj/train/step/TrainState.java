package monetj.train.step;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;

/**
 * Everything the train step updates, on the host: trainable parameters (f32 master weights), BatchNorm
 * buffers, AdamW moments and the step counter. Names are the Hugging Face ones; moments are {@code m.NAME}
 * and {@code v.NAME} in checkpoints. Frozen parameters are in {@code params} but have no moments.
 */
public record TrainState(Map<String, HostTensor> params, Map<String, HostTensor> buffers, Map<String, HostTensor> m,
        Map<String, HostTensor> v, long step) {

    /** Splits model tensors into parameters and buffers (parameters converted to f32) with zero moments. */
    public static TrainState fresh(MonetConfig config, Map<String, HostTensor> tensors) { return fresh(config, tensors, Set.of()); }

    /** As {@link #fresh(MonetConfig, Map)}; the {@code frozen} parameters get no moments (AdamW never touches them). */
    public static TrainState fresh(MonetConfig config, Map<String, HostTensor> tensors, Set<String> frozen) {
        Map<String, HostTensor> params = new LinkedHashMap<>(), buffers = new LinkedHashMap<>(), m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
        for (var e : new MonetModel(config).variablesByPath().entrySet()) {
            HostTensor t = tensors.get(e.getKey());
            if (t == null) throw new IllegalArgumentException("model tensor '" + e.getKey() + "' is missing");
            if (e.getValue().trainable()) {
                params.put(e.getKey(), t.to(DType.F32));
                if (frozen.contains(e.getKey())) continue;
                m.put(e.getKey(), HostTensor.zeros(DType.F32, t.shape()));
                v.put(e.getKey(), HostTensor.zeros(DType.F32, t.shape()));
            } else {
                buffers.put(e.getKey(), t.dtype().isFloating() ? t.to(DType.F32) : t);
            }
        }
        return new TrainState(params, buffers, m, v, 0);
    }

    /**
     * Parameters, buffers and moments by the step program's leaf names ({@code NAME}, {@code m.NAME}, {@code v.NAME}),
     * as checkpoints name them too; the step counter is the program's leaf {@code step}, not in this map.
     */
    public Map<String, HostTensor> leaves() {
        Map<String, HostTensor> out = new LinkedHashMap<>(params);
        out.putAll(buffers);
        m.forEach((k, t) -> out.put("m." + k, t));
        v.forEach((k, t) -> out.put("v." + k, t));
        return out;
    }

    /** Parameters and buffers together, in layout order: what an HF export writes. */
    public Map<String, HostTensor> modelTensors(MonetConfig config) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (String name : new MonetModel(config).variablesByPath().keySet()) out.put(name, params.containsKey(name) ? params.get(name) : buffers.get(name));
        return out;
    }
}
