package monetj.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.model.HfModelDirectory;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import monetj.data.iter.IteratorState;
import monetj.train.step.TrainState;

/**
 * The files of one checkpoint directory: {@code model.safetensors} (parameters and BatchNorm buffers under
 * their Hugging Face names, f32), {@code optimizer.safetensors} (AdamW moments {@code m.NAME}, {@code v.NAME}),
 * {@code config.json} (the model), {@code state.json} (step, data-iterator state, seed, run config) and
 * {@code manifest.json} (every file's checksum, verified on read).
 */
public final class TrainCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TrainCheckpoint() {}

    /** A checkpoint read back. */
    public record Loaded(Path dir, TrainState state, IteratorState dataState, JsonNode runConfig, MonetConfig model) {}

    /**
     * The newest checkpoint of a run that is intact: a damaged one (files differing from its manifest) is reported
     * on {@code console} and the next older one is tried.
     */
    public static Loaded readLatestIntact(CheckpointStore store, MonetConfig expectedModel, PrintStream console) throws IOException {
        List<Path> all = store.list();
        if (all.isEmpty()) throw new IllegalStateException("--resume: no checkpoint in " + store.root());
        DamagedCheckpointException newest = null;
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                Loaded l = read(all.get(i), expectedModel);
                if (newest != null) console.printf("WARNING: %s; resuming from the previous intact checkpoint %s%n", newest.getMessage(), l.dir());
                return l;
            } catch (DamagedCheckpointException e) {
                if (newest == null) newest = e;
                else console.printf("WARNING: %s%n", e.getMessage());
            }
        }
        throw new IOException(newest.getMessage() + "; no older checkpoint in " + store.root() + " is intact either");
    }

    public static void write(Path dir, TrainState s, MonetConfig model, IteratorState dataState, JsonNode runConfig, long seed) throws IOException {
        Safetensors.write(dir.resolve("model.safetensors"), s.modelTensors(model), Map.of("format", "pt"));
        Map<String, HostTensor> opt = new LinkedHashMap<>();
        s.m().forEach((k, v) -> opt.put("m." + k, v));
        s.v().forEach((k, v) -> opt.put("v." + k, v));
        Safetensors.write(dir.resolve("optimizer.safetensors"), opt, Map.of("step", Long.toString(s.step())));
        model.write(dir.resolve("config.json"));
        ObjectNode st = JSON.createObjectNode();
        st.put("step", s.step());
        st.put("seed", seed);
        st.set("data", dataState == null ? null : JSON.readTree(dataState.toJson()));
        st.set("run_config", runConfig);
        Files.writeString(dir.resolve("state.json"), JSON.writeValueAsString(st) + "\n");
    }

    public static Loaded read(Path dir, MonetConfig expectedModel) throws IOException {
        for (String f : new String[] {"model.safetensors", "optimizer.safetensors", "config.json", "state.json"}) {
            if (!Files.isRegularFile(dir.resolve(f))) throw new IOException(dir + " is not a complete checkpoint: " + f + " is missing");
        }
        CheckpointManifest.verify(dir);
        MonetConfig model = MonetConfig.read(dir.resolve("config.json"));
        if (expectedModel != null && !model.toJson().equals(expectedModel.toJson())) {
            throw new IllegalArgumentException(dir + ": the checkpoint's model config differs from the run config's model");
        }
        Map<String, HostTensor> tensors = Safetensors.read(dir.resolve("model.safetensors")).tensors();
        HfModelDirectory.check(model, tensors, dir.resolve("model.safetensors").toString());
        Map<String, HostTensor> opt = Safetensors.read(dir.resolve("optimizer.safetensors")).tensors();
        JsonNode st = readState(dir.resolve("state.json"));
        Map<String, HostTensor> params = new LinkedHashMap<>(), buffers = new LinkedHashMap<>(), m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
        for (var e : new MonetModel(model).variablesByPath().entrySet()) {
            String name = e.getKey();
            if (e.getValue().trainable()) {
                params.put(name, copy(tensors.get(name)));
                m.put(name, copy(require(opt, "m." + name, dir)));
                v.put(name, copy(require(opt, "v." + name, dir)));
            } else {
                buffers.put(name, copy(tensors.get(name)));
            }
        }
        JsonNode data = st.get("data");
        IteratorState ds = data == null || data.isNull() ? null : IteratorState.fromJson(data.toString());
        return new Loaded(dir, new TrainState(params, buffers, m, v, st.get("step").asLong()), ds, st.get("run_config"), model);
    }

    private static JsonNode readState(Path file) throws IOException {
        JsonNode st;
        try {
            st = JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (st == null || !st.isObject() || !st.path("step").canConvertToLong() || !st.path("step").isIntegralNumber()) {
            throw new IOException(file + ": not a checkpoint state (expected an object with an integer 'step')");
        }
        return st;
    }

    /** Tensors of a checkpoint are copied out of the file mapping, so the files can be pruned while training goes on. */
    private static HostTensor copy(HostTensor t) { return t.copy(); }

    private static HostTensor require(Map<String, HostTensor> opt, String name, Path dir) {
        HostTensor t = opt.get(name);
        if (t == null) throw new IllegalArgumentException(dir.resolve("optimizer.safetensors") + ": missing " + name);
        return t;
    }
}
