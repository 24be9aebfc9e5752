package monetj.core.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import monetj.core.backend.Backend;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.nn.ParamTree;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * Autoregressive generation with a key/value cache: one program consumes the prompt, another one token per
 * step; the weights stay on the device and the caches are donated to each step and come back updated.
 * Decoding is greedy at temperature 0, else nucleus (top-p) sampling from a seeded generator.
 */
public final class Generator implements AutoCloseable {
    private final MonetConfig config;
    private final Backend backend;
    private final int maxLen;
    private final List<DeviceBuffer> weights = new ArrayList<>();
    private final Map<String, TensorType> weightTypes;
    private final Map<Integer, Executable> programs = new LinkedHashMap<>();
    private final boolean masked; // the mask inputs follow the weights in `weights`
    private final TensorType cacheType; // keys or values of one layer: [1, kvHeads, maxLen, headDim]

    public Generator(MonetConfig config, Map<String, HostTensor> tensors, Backend backend, int maxLen) {
        this(config, tensors, Map.of(), backend, maxLen);
    }

    /** With expert masks: {@code masks} holds every {@link ExpertMaskInputs} tensor by name, or is empty for none. */
    public Generator(MonetConfig config, Map<String, HostTensor> tensors, Map<String, HostTensor> masks, Backend backend, int maxLen) {
        if (maxLen > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("max length " + maxLen + " exceeds max_position_embeddings " + config.maxPositionEmbeddings());
        }
        this.config = config;
        this.backend = backend;
        this.maxLen = maxLen;
        this.cacheType = TensorType.of(DType.F32, 1, config.numKeyValueHeads(), maxLen, config.headDim());
        this.weightTypes = new LinkedHashMap<>();
        for (String name : MonetParameters.layout(config).keySet()) {
            HostTensor t = tensors.get(name);
            weightTypes.put(name, t.type());
            weights.add(backend.put(t));
        }
        this.masked = !masks.isEmpty();
        if (masked) {
            for (String name : ExpertMaskInputs.types(config).keySet()) {
                HostTensor t = masks.get(name);
                if (t == null) throw new IllegalArgumentException("no expert mask given for '" + name + "'");
                weights.add(backend.put(t));
            }
        }
    }

    /** Sampling settings: temperature 0 means greedy. */
    public record Sampling(double temperature, double topP, long seed) {
        public static Sampling greedy() { return new Sampling(0, 1, 0); }
    }

    /** Generates up to {@code maxNewTokens} after the prompt, stopping early at end-of-sequence; returns the new ids. */
    public List<Integer> generate(int[] prompt, int maxNewTokens, Sampling sampling, TokenListener listener) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty");
        int budget = Math.min(maxNewTokens, maxLen - prompt.length);
        if (budget <= 0) throw new IllegalArgumentException("prompt of " + prompt.length + " tokens leaves no room within max length " + maxLen);
        List<DeviceBuffer> caches = new ArrayList<>();
        for (int i = 0; i < 2 * config.numHiddenLayers(); i++) caches.add(backend.put(HostTensor.zeros(DType.F32, cacheType.shape())));
        Random rnd = new Random(sampling.seed());
        List<Integer> out = new ArrayList<>();
        int[] step = prompt;
        int position = 0;
        for (int n = 0; n < budget; n++) {
            Executable exe = programs.computeIfAbsent(step.length, this::compile);
            List<DeviceBuffer> args = new ArrayList<>(weights);
            args.add(backend.put(HostTensor.of(Shape.of(1, step.length), step)));
            args.add(backend.put(HostTensor.scalar(position)));
            args.addAll(caches);
            Set<Integer> donated = new HashSet<>();
            for (int i = 0; i < caches.size(); i++) donated.add(weights.size() + 2 + i);
            List<DeviceBuffer> results = exe.execute(args, donated);
            args.get(weights.size()).close();
            args.get(weights.size() + 1).close();
            float[] logits = backend.get(results.get(0)).floats();
            results.get(0).close();
            caches = new ArrayList<>(results.subList(1, results.size()));
            int next = pick(logits, sampling, rnd);
            out.add(next);
            if (listener != null) listener.onToken(next);
            if (next == config.eosTokenId()) break;
            position += step.length;
            step = new int[] {next};
        }
        for (DeviceBuffer c : caches) c.close();
        return out;
    }

    /** Called with each new token as soon as it is chosen (for streaming output). */
    @FunctionalInterface
    public interface TokenListener {
        void onToken(int id);
    }

    private Executable compile(int steps) {
        Graph g = new Graph("monet_decode_" + steps);
        Map<String, Tensor> w = new LinkedHashMap<>();
        weightTypes.forEach((name, t) -> w.put(name, new Tensor(g, g.parameter(name, t))));
        Map<Integer, Tensor> masks = masked ? ExpertMaskInputs.declare(g, config) : Map.of();
        Tensor ids = new Tensor(g, g.parameter("ids", TensorType.of(DType.S32, 1, steps)));
        Tensor start = new Tensor(g, g.parameter("start", TensorType.of(DType.S32)));
        List<Tensor> keys = new ArrayList<>(), values = new ArrayList<>();
        for (int l = 0; l < config.numHiddenLayers(); l++) keys.add(new Tensor(g, g.parameter("key_cache." + l, cacheType)));
        for (int l = 0; l < config.numHiddenLayers(); l++) values.add(new Tensor(g, g.parameter("value_cache." + l, cacheType)));
        MonetModel.CachedOutput out = new MonetModel(config).forwardCached(ParamTree.of(w), ids, start, keys, values, masks);
        Tensor last = out.logits().slice(1, steps - 1, steps).reshape(config.vocabSize());
        List<monetj.core.ir.Value> results = new ArrayList<>();
        results.add(last.value());
        out.keyCaches().forEach(t -> results.add(t.value()));
        out.valueCaches().forEach(t -> results.add(t.value()));
        g.setOutputs(results);
        return backend.compile(g);
    }

    /** Greedy argmax, or nucleus sampling: the smallest set of top tokens whose probability reaches topP. */
    static int pick(float[] logits, Sampling s, Random rnd) {
        if (s.temperature() <= 0) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
            return best;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) sum += p[i] = Math.exp((logits[i] - max) / s.temperature());
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        double kept = 0;
        int n = 0;
        while (n < order.length && kept < s.topP() * sum) kept += p[order[n++]];
        double r = rnd.nextDouble() * kept;
        for (int i = 0; i < n; i++) {
            r -= p[order[i]];
            if (r <= 0) return order[i];
        }
        return order[n - 1];
    }

    @Override
    public void close() {
        programs.values().forEach(Executable::close);
        weights.forEach(DeviceBuffer::close);
    }
}
