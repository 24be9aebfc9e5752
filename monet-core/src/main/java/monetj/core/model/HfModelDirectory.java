package monetj.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import monetj.core.nn.Param;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;

/**
 * A Hugging Face model directory: {@code config.json}, {@code generation_config.json} and the weights as
 * {@code model.safetensors} or shards listed in {@code model.safetensors.index.json}. Written directories load
 * in {@code transformers} with {@code trust_remote_code=True} through the authors' modeling code on the hub.
 */
public final class HfModelDirectory {
    /** Where {@code auto_map} points: the modeling code shipped with the released checkpoints. */
    static final String REMOTE_CODE = "MonetLLM/monet-vd-1.4B-100BT-hf--modeling_monet.";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String INDEX = "model.safetensors.index.json";

    private HfModelDirectory() {}

    /** A model read from disk: its config and every tensor (parameters and buffers) by HF name. */
    public record Model(MonetConfig config, Map<String, HostTensor> tensors) {
        /** The tensors with floating ones in f32 (bf16 checkpoints computed in f32), step counters unchanged. */
        public Map<String, HostTensor> f32Tensors() {
            Map<String, HostTensor> out = new LinkedHashMap<>();
            tensors.forEach((k, v) -> out.put(k, v.dtype().isFloating() ? v.to(DType.F32) : v));
            return out;
        }
    }

    public static Model read(Path dir) throws IOException {
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) throw new IOException(dir + ": no config.json (not a Hugging Face model directory)");
        MonetConfig config = MonetConfig.read(configFile);
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        Path single = dir.resolve("model.safetensors"), index = dir.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            JsonNode map = JSON.readTree(Files.readString(index)).get("weight_map");
            if (map == null || !map.isObject()) throw new IOException(index + ": missing weight_map");
            Map<String, List<String>> byFile = ShardIndexEntries.byFile(index, dir, map);
            Map<String, Map<String, HostTensor>> shards = new LinkedHashMap<>();
            for (String file : byFile.keySet()) shards.put(file, Safetensors.read(dir.resolve(file)).tensors());
            for (var it = map.fields(); it.hasNext(); ) {
                var e = it.next();
                String file = e.getValue().asText();
                Map<String, HostTensor> shard = shards.get(file);
                HostTensor t = shard.get(e.getKey());
                if (t == null) throw new IOException(dir.resolve(file) + ": tensor '" + e.getKey() + "' listed in " + INDEX + " is not in this shard");
                tensors.put(e.getKey(), t);
            }
        } else if (Files.isRegularFile(single)) {
            tensors.putAll(Safetensors.read(single).tensors());
        } else if (Files.isRegularFile(dir.resolve("index.json")) && Files.isRegularFile(dir.resolve("state.json"))) {
            throw new IOException(dir + " is a sharded training checkpoint, not a model directory: write one from it with monet export-hf --checkpoint " + dir + " --out DIR");
        } else {
            throw new IOException(dir + ": no model.safetensors or " + INDEX);
        }
        check(config, tensors, dir.toString());
        return new Model(config, tensors);
    }

    /**
     * Checks names and shapes against the config's layout; reports every missing, unexpected or mis-shaped
     * tensor by name and shape in one message. Floating tensors may be f32, bf16 or f16.
     */
    public static void check(MonetConfig config, Map<String, HostTensor> tensors, String where) {
        Map<String, Param> layout = new MonetModel(config).variablesByPath();
        List<String> problems = new ArrayList<>();
        for (var e : layout.entrySet()) {
            HostTensor t = tensors.get(e.getKey());
            var want = e.getValue().type();
            if (t == null) {
                problems.add("missing " + e.getKey() + " " + want);
            } else if (!t.shape().equals(want.shape()) || t.dtype().isFloating() != want.dtype().isFloating()) {
                problems.add("mis-shaped " + e.getKey() + ": expected " + want + ", found " + t.type());
            }
        }
        for (var e : tensors.entrySet()) {
            if (!layout.containsKey(e.getKey())) problems.add("unexpected " + e.getKey() + " " + e.getValue().type());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(where + ": weights do not match the config (" + problems.size() + " problem(s)):\n  "
                    + String.join("\n  ", problems));
        }
    }

    /**
     * Writes a model directory with floating tensors stored as {@code dtype} (bf16 or f32); the step counters
     * stay int64. Shards when the weights exceed {@code maxShardBytes}.
     */
    public static void write(Path dir, MonetConfig config, Map<String, HostTensor> tensors, DType dtype, long maxShardBytes) throws IOException {
        if (dtype != DType.BF16 && dtype != DType.F32 && dtype != DType.F16) throw new IllegalArgumentException("export dtype must be bf16, f16 or f32, not " + dtype);
        check(config, tensors, "export to " + dir);
        Files.createDirectories(dir);
        ObjectNode cfg = config.toJson();
        cfg.put("model_type", "monet");
        cfg.putArray("architectures").add("MonetForCausalLM");
        ObjectNode autoMap = cfg.putObject("auto_map");
        autoMap.put("AutoConfig", REMOTE_CODE + "MonetConfig");
        autoMap.put("AutoModelForCausalLM", REMOTE_CODE + "MonetForCausalLM");
        cfg.put("torch_dtype", dtype == DType.BF16 ? "bfloat16" : dtype == DType.F16 ? "float16" : "float32");
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(new TreeMap<>(JSON.convertValue(cfg, Map.class))) + "\n");
        ObjectNode gen = JSON.createObjectNode();
        gen.put("bos_token_id", config.bosTokenId()).put("eos_token_id", config.eosTokenId()).put("do_sample", false);
        Files.writeString(dir.resolve("generation_config.json"), JSON.writeValueAsString(gen) + "\n");

        Map<String, HostTensor> converted = new LinkedHashMap<>();
        long total = 0;
        for (var e : new MonetModel(config).variablesByPath().entrySet()) {
            HostTensor t = tensors.get(e.getKey());
            HostTensor c = t.dtype().isFloating() ? t.to(dtype) : t;
            converted.put(e.getKey(), c);
            total += c.data().byteSize();
        }
        Map<String, String> meta = Map.of("format", "pt");
        if (total <= maxShardBytes) {
            Safetensors.write(dir.resolve("model.safetensors"), converted, meta);
            Files.deleteIfExists(dir.resolve(INDEX));
            return;
        }
        List<Map<String, HostTensor>> shards = new ArrayList<>();
        Map<String, HostTensor> current = new LinkedHashMap<>();
        long size = 0;
        for (var e : converted.entrySet()) {
            long b = e.getValue().data().byteSize();
            if (!current.isEmpty() && size + b > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                size = 0;
            }
            current.put(e.getKey(), e.getValue());
            size += b;
        }
        shards.add(current);
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode weightMap = index.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
            String file = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            Safetensors.write(dir.resolve(file), shards.get(i), meta);
            for (String name : shards.get(i).keySet()) weightMap.put(name, file);
        }
        Files.writeString(dir.resolve(INDEX), JSON.writeValueAsString(index) + "\n");
        Files.deleteIfExists(dir.resolve("model.safetensors"));
    }
}
