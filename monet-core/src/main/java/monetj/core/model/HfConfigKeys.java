package monetj.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The keys a Monet {@code config.json} may hold besides the architecture keys {@link MonetConfig} reads: the
 * Hugging Face bookkeeping keys that do not change the computation (kept and written back as they are), and a
 * few keys the authors' code reads that Monet-J does not implement, accepted only at their no-op values. Any
 * other key is refused by name, as the other run-config sections refuse theirs.
 */
final class HfConfigKeys {
    /** Bookkeeping of {@code transformers} configs: model identity, output switches, generation defaults. */
    private static final Set<String> WITHOUT_EFFECT = Set.of("architectures", "auto_map", "model_type", "torch_dtype", "dtype",
            "transformers_version", "use_cache", "output_router_probs", "output_attentions", "output_hidden_states",
            "return_dict", "use_return_dict", "torchscript", "chunk_size_feed_forward", "is_encoder_decoder", "is_decoder",
            "add_cross_attention", "tie_encoder_decoder", "pad_token_id", "sep_token_id", "decoder_start_token_id", "problem_type",
            "id2label", "label2id", "tokenizer_class", "prefix", "finetuning_task", "task_specific_params", "pruned_heads",
            "tf_legacy_loss", "use_bfloat16", "pretraining_tp", "intermediate_size", "mlp_bias");

    private HfConfigKeys() {}

    /** Refuses unknown keys (with the nearest known one) and implemented-elsewhere features at non-default values. */
    static void check(JsonNode root, List<String> architectureKeys) {
        for (var it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            // Keys with a leading underscore are transformers' own internals (_name_or_path, _attn_implementation_autoset).
            if (architectureKeys.contains(key) || WITHOUT_EFFECT.contains(key) || key.startsWith("_")) continue;
            JsonNode v = root.get(key);
            switch (key) {
                case "rope_scaling" -> {
                    if (!v.isNull()) {
                        throw new InvalidConfigException(key, "is not supported (Monet-J implements unscaled rotary embeddings); "
                                + "remove it or set it to null, got " + v);
                    }
                }
                case "attention_bias" -> {
                    if (!v.isBoolean() || v.asBoolean()) throw new InvalidConfigException(key, "must be false (Monet attention has no biases), got " + v);
                }
                case "attention_dropout" -> {
                    if (!v.isNumber() || v.asDouble() != 0) throw new InvalidConfigException(key, "must be 0 (Monet-J trains without dropout), got " + v);
                }
                default -> {
                    List<String> known = new ArrayList<>(architectureKeys);
                    known.addAll(WITHOUT_EFFECT);
                    String hint = NearestKey.of(key, known);
                    throw new InvalidConfigException(key, "is not a Monet model config key" + (hint != null ? " (did you mean '" + hint + "'?)" : ""));
                }
            }
        }
        JsonNode rp = root.get("rope_parameters");
        if (rp != null && rp.isObject()) {
            JsonNode type = rp.get("rope_type");
            if (type != null && !type.asText().equals("default")) {
                throw new InvalidConfigException("rope_parameters.rope_type", "must be \"default\" (Monet-J implements unscaled rotary embeddings), got " + type);
            }
        }
    }
}
