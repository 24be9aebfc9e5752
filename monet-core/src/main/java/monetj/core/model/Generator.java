package monetj.core.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import monetj.core.backend.Backend;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.core.dsl.Tensor;
import monetj.core.nn.Param;
import monetj.core.nn.ParamTree;
import monetj.core.program.ProgramBuilder;
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
    private final Map<String, DeviceBuffer> weights = new LinkedHashMap<>(); // and the expert masks, by name
    private final Map<String, TensorType> weightTypes = new LinkedHashMap<>();
    private final Map<Integer, CompiledProgram> programs = new LinkedHashMap<>();
    private final boolean masked;
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
        for (Param p : new MonetModel(config).variables()) {
            HostTensor t = tensors.get(p.path());
            if (t == null) throw new IllegalArgumentException("model tensor '" + p.path() + "' is missing");
            weightTypes.put(p.path(), t.type());
            weights.put(p.path(), backend.put(t));
        }
        this.masked = !masks.isEmpty();
        if (masked) {
            for (String name : ExpertMaskInputs.types(config).keySet()) {
                HostTensor t = masks.get(name);
                if (t == null) throw new IllegalArgumentException("no expert mask given for '" + name + "'");
                weights.put(name, backend.put(t));
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
        Map<String, DeviceBuffer> caches = new LinkedHashMap<>();
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            caches.put(keyCache(l), backend.put(HostTensor.zeros(DType.F32, cacheType.shape())));
            caches.put(valueCache(l), backend.put(HostTensor.zeros(DType.F32, cacheType.shape())));
        }
        Random rnd = new Random(sampling.seed());
        List<Integer> out = new ArrayList<>();
        int[] step = prompt;
        int position = 0;
        for (int n = 0; n < budget; n++) {
            CompiledProgram exe = programs.computeIfAbsent(step.length, this::compile);
            Map<String, DeviceBuffer> args = new LinkedHashMap<>(weights);
            DeviceBuffer ids = backend.put(HostTensor.of(Shape.of(1, step.length), step)), start = backend.put(HostTensor.scalar(position));
            args.put("ids", ids);
            args.put("start", start);
            args.putAll(caches);
            Map<String, DeviceBuffer> results = exe.run(args);
            ids.close();
            start.close();
            DeviceBuffer logitsBuffer = results.remove("logits");
            float[] logits = backend.get(logitsBuffer).floats();
            logitsBuffer.close();
            caches = results;
            int next = pick(logits, sampling, rnd);
            out.add(next);
            if (listener != null) listener.onToken(next);
            if (next == config.eosTokenId()) break;
            position += step.length;
            step = new int[] {next};
        }
        caches.values().forEach(DeviceBuffer::close);
        return out;
    }

    /** Called with each new token as soon as it is chosen (for streaming output). */
    @FunctionalInterface
    public interface TokenListener {
        void onToken(int id);
    }

    /** The decode program for {@code steps} new positions; the caches are donated and come back under the same names. */
    private CompiledProgram compile(int steps) {
        MonetModel model = new MonetModel(config);
        ProgramBuilder b = new ProgramBuilder("monet_decode_" + steps);
        ParamTree<Tensor> w = b.variables(model, weightTypes, false, false);
        Map<Integer, Tensor> masks = masked ? ExpertMaskInputs.declare(b, config) : Map.of();
        Tensor ids = b.input("batch", "ids", TensorType.of(DType.S32, 1, steps));
        Tensor start = b.input("batch", "start", TensorType.of(DType.S32));
        List<Tensor> keys = new ArrayList<>(), values = new ArrayList<>();
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            keys.add(b.input("caches", keyCache(l), cacheType, null, true));
            values.add(b.input("caches", valueCache(l), cacheType, null, true));
        }
        MonetModel.CachedOutput out = model.forwardCached(w, ids, start, keys, values, masks);
        b.output("logits", "logits", out.logits().slice(1, steps - 1, steps).reshape(config.vocabSize()));
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            b.output("caches", keyCache(l), out.keyCaches().get(l));
            b.output("caches", valueCache(l), out.valueCaches().get(l));
        }
        return backend.compile(b.build());
    }

    private static String keyCache(int layer) { return "key_cache." + layer; }

    private static String valueCache(int layer) { return "value_cache." + layer; }

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
        programs.values().forEach(CompiledProgram::close);
        weights.values().forEach(DeviceBuffer::close);
    }
}
