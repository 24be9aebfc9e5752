package monetj.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Monet model's architecture, keyed exactly as the Hugging Face {@code config.json} of the released
 * checkpoints (MonetLLM/monet-*-hf). Hugging Face keys without effect here are kept so that a config read and
 * written again loses nothing; unknown keys are refused ({@link HfConfigKeys}). Both {@code rope_theta} (transformers 4.x) and {@code rope_parameters.rope_theta} (5.x) are read.
 */
public record MonetConfig(
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        double initializerRange,
        boolean tieWordEmbeddings,
        String hiddenAct,
        Decompose moeDecompose,
        int moeDim,
        int moeHeads,
        int moeExperts,
        int moeTopk,
        int moeGroups,
        int bosTokenId,
        int eosTokenId,
        ObjectNode extra) {

    /** Horizontal (MoHDE) or vertical (MoVDE) expert decomposition. */
    public enum Decompose {
        HORIZONTAL("horizontal"), VERTICAL("vertical");

        public final String key;

        Decompose(String key) { this.key = key; }

        static Decompose parse(String s) {
            for (Decompose d : values()) if (d.key.equals(s)) return d;
            throw new InvalidConfigException("moe_decompose", "must be \"horizontal\" or \"vertical\", got \"" + s + "\"");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<String> KNOWN = List.of("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
            "num_key_value_heads", "head_dim", "max_position_embeddings", "rms_norm_eps", "rope_theta", "rope_parameters",
            "initializer_range", "tie_word_embeddings", "hidden_act", "moe_decompose", "moe_dim", "moe_heads", "moe_experts",
            "moe_topk", "moe_groups", "bos_token_id", "eos_token_id");

    public MonetConfig {
        validate(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim, moeDecompose, moeDim, moeHeads,
                moeExperts, moeTopk, moeGroups, hiddenAct, rmsNormEps, ropeTheta);
        extra = extra == null ? JSON.createObjectNode() : extra.deepCopy();
    }

    private static void validate(int v, int d, int layers, int heads, int kvHeads, int headDim, Decompose dec, int m, int h, int e, int k,
            int groups, String act, double eps, double theta) {
        positive("vocab_size", v);
        positive("hidden_size", d);
        positive("num_hidden_layers", layers);
        positive("num_attention_heads", heads);
        positive("num_key_value_heads", kvHeads);
        positive("head_dim", headDim);
        positive("moe_dim", m);
        positive("moe_heads", h);
        positive("moe_experts", e);
        positive("moe_topk", k);
        positive("moe_groups", groups);
        if (heads % kvHeads != 0) {
            throw new InvalidConfigException("num_key_value_heads", "must divide num_attention_heads (" + heads + "), got " + kvHeads);
        }
        if (k >= e) throw new InvalidConfigException("moe_topk", "must be smaller than moe_experts (" + e + "), got " + k);
        if (dec == Decompose.VERTICAL && m % 2 != 0) {
            throw new InvalidConfigException("moe_dim", "must be even for vertical decomposition (each side gets moe_dim/2), got " + m);
        }
        if (dec == Decompose.VERTICAL && d % 2 != 0) {
            throw new InvalidConfigException("hidden_size", "must be even for vertical decomposition (each side outputs hidden_size/2), got " + d);
        }
        if (headDim % 2 != 0) throw new InvalidConfigException("head_dim", "must be even for rotary embeddings, got " + headDim);
        if (!"relu2".equals(act)) throw new InvalidConfigException("hidden_act", "Monet experts use \"relu2\", got \"" + act + "\"");
        if (!(eps > 0)) throw new InvalidConfigException("rms_norm_eps", "must be positive, got " + eps);
        if (!(theta > 0)) throw new InvalidConfigException("rope_theta", "must be positive, got " + theta);
    }

    private static void positive(String key, int value) {
        if (value <= 0) throw new InvalidConfigException(key, "must be a positive integer, got " + value);
    }

    // ---- reading and writing ----------------------------------------------------------------------

    public static MonetConfig read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        try {
            return fromJson(root);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException(file + ": " + e.getMessage(), e);
        }
    }

    public static MonetConfig fromJson(JsonNode root) {
        if (!root.isObject()) throw new InvalidConfigException("(root)", "a model config must be a JSON object");
        HfConfigKeys.check(root, KNOWN);
        int d = requireInt(root, "hidden_size"), heads = requireInt(root, "num_attention_heads");
        Integer headDim = optInt(root, "head_dim");
        if (headDim == null) {
            if (d % heads != 0) {
                throw new InvalidConfigException("hidden_size", "must be divisible by num_attention_heads (" + heads + ") when head_dim is not given, got " + d);
            }
            headDim = d / heads;
        }
        Double theta = optDouble(root, "rope_theta");
        JsonNode rp = root.get("rope_parameters");
        if (theta == null && rp != null && rp.isObject()) theta = optDouble(rp, "rope_theta");
        ObjectNode extra = JSON.createObjectNode();
        root.fields().forEachRemaining(e -> {
            if (!KNOWN.contains(e.getKey())) extra.set(e.getKey(), e.getValue());
        });
        return new MonetConfig(
                requireInt(root, "vocab_size"), d, requireInt(root, "num_hidden_layers"), heads,
                orDefault(optInt(root, "num_key_value_heads"), heads), headDim,
                orDefault(optInt(root, "max_position_embeddings"), 2048),
                orDefault(optDouble(root, "rms_norm_eps"), 1e-6), theta == null ? 10000.0 : theta,
                orDefault(optDouble(root, "initializer_range"), 0.02),
                root.path("tie_word_embeddings").asBoolean(false),
                root.path("hidden_act").asText("relu2"),
                Decompose.parse(root.path("moe_decompose").asText("vertical")),
                requireInt(root, "moe_dim"), requireInt(root, "moe_heads"), requireInt(root, "moe_experts"), requireInt(root, "moe_topk"),
                orDefault(optInt(root, "moe_groups"), 4),
                orDefault(optInt(root, "bos_token_id"), 1), orDefault(optInt(root, "eos_token_id"), 2), extra);
    }

    private static <T> T orDefault(T v, T dflt) { return v != null ? v : dflt; }

    private static int requireInt(JsonNode n, String key) {
        Integer v = optInt(n, key);
        if (v == null) throw new InvalidConfigException(key, "is required");
        return v;
    }

    private static Integer optInt(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new InvalidConfigException(key, "must be an integer, got " + v);
        return v.intValue();
    }

    private static Double optDouble(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber()) throw new InvalidConfigException(key, "must be a number, got " + v);
        return v.doubleValue();
    }

    /** The config as Hugging Face {@code config.json} content (known keys first, then the preserved extras). */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("vocab_size", vocabSize).put("hidden_size", hiddenSize).put("num_hidden_layers", numHiddenLayers)
                .put("num_attention_heads", numAttentionHeads).put("num_key_value_heads", numKeyValueHeads).put("head_dim", headDim)
                .put("max_position_embeddings", maxPositionEmbeddings).put("rms_norm_eps", rmsNormEps).put("rope_theta", ropeTheta)
                .put("initializer_range", initializerRange).put("tie_word_embeddings", tieWordEmbeddings).put("hidden_act", hiddenAct)
                .put("moe_decompose", moeDecompose.key).put("moe_dim", moeDim).put("moe_heads", moeHeads).put("moe_experts", moeExperts)
                .put("moe_topk", moeTopk).put("moe_groups", moeGroups).put("bos_token_id", bosTokenId).put("eos_token_id", eosTokenId);
        extra.fields().forEachRemaining(e -> {
            if (!o.has(e.getKey())) o.set(e.getKey(), e.getValue());
        });
        return o;
    }

    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, JSON.writeValueAsString(toJson()) + "\n");
    }

    // ---- derived facts ----------------------------------------------------------------------------

    /** Whether layer {@code l} owns a router (the next {@code moe_groups - 1} layers reuse its routing). */
    public boolean hasRouter(int layer) { return layer % moeGroups == 0; }

    /** The layers that own routers, ascending. */
    public List<Integer> routerLayers() {
        List<Integer> r = new ArrayList<>();
        for (int l = 0; l < numHiddenLayers; l++) if (hasRouter(l)) r.add(l);
        return r;
    }

    /** Trainable parameters (BatchNorm running statistics excluded), as the paper and the HF model count them. */
    public long parameterCount() {
        long d = hiddenSize, v = vocabSize, hd = headDim;
        long attention = d * numAttentionHeads * hd * 2 + d * numKeyValueHeads * hd * 2;
        long experts = 2 * d * moeExperts * moeDim + (long) moeExperts * moeDim + (long) moeExperts * d;
        long perLayer = attention + 2 * d + experts;
        long routers = (long) routerLayers().size() * 2 * d * moeHeads * moeExperts;
        long embeddings = v * d * (tieWordEmbeddings ? 1 : 2);
        return embeddings + numHiddenLayers * perLayer + routers + d;
    }

    /** σ* = Φ⁻¹(1 − k/E), the BatchNorm-space threshold that selects about k of E experts per head. */
    public double routingThreshold() { return NormalQuantile.inverseCdf(1.0 - (double) moeTopk / moeExperts); }
}
