package monetj.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import monetj.core.dist.ProcessGroup;
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
 * {@code config.json} (the model), {@code state.json} (step, data-iterator state, seed, run config, the
 * {@code init_from} directory the run started from, and the {@code frozen} parameters, which have no moments) and
 * {@code manifest.json} (every file's checksum, verified on read).
 *
 * <p>A sharded run (a mesh of several devices, or several processes) writes the parameters, buffers and moments as
 * a {@link ShardedCheckpoint} instead of the two safetensors files: {@code shard-<device>.safetensors}, each written
 * by the process holding that device, and {@code index.json}; with several processes each also writes its
 * data-iterator state ({@code data-<process>.json}). Both formats are read everywhere, and a sharded one restores
 * under any mesh and number of processes.
 */
public final class TrainCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String MODEL_FILE = "model.safetensors", OPTIMIZER_FILE = "optimizer.safetensors";

    /** How long a process of a multi-process save waits for the others at each barrier. */
    public static final Duration BARRIER_TIMEOUT = Duration.ofMinutes(10);

    private TrainCheckpoint() {}

    /**
     * A checkpoint read back. {@code dataState} is process 0's data-iterator state; {@code dataStates} has every
     * saving process's, by process index (one for a single-process run).
     */
    public record Loaded(Path dir, TrainState state, IteratorState dataState, JsonNode runConfig, MonetConfig model, List<IteratorState> dataStates) {}

    /** The weights of a checkpoint, without the optimizer state: what a Hugging Face export needs. */
    public record Weights(MonetConfig model, Map<String, HostTensor> tensors, long step) {}

    /**
     * The newest checkpoint of a run that is intact: a damaged one (files differing from its manifest) is reported
     * on {@code console} and the next older one is tried.
     */
    public static Loaded readLatestIntact(CheckpointStore store, MonetConfig expectedModel, Set<String> frozen, PrintStream console) throws IOException {
        return readVerified(latestIntact(store, console), expectedModel, frozen);
    }

    /**
     * The newest checkpoint directory whose files all match its manifest (damaged ones are reported on {@code
     * console}). Every process of a run that resumes verifies every file, so all of them choose the same checkpoint.
     */
    public static Path latestIntact(CheckpointStore store, PrintStream console) throws IOException {
        List<Path> all = store.list();
        if (all.isEmpty()) throw new IllegalStateException("--resume: no checkpoint in " + store.root());
        DamagedCheckpointException newest = null;
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                verify(all.get(i));
                if (newest != null) console.printf("WARNING: %s; resuming from the previous intact checkpoint %s%n", newest.getMessage(), all.get(i));
                return all.get(i);
            } catch (DamagedCheckpointException e) {
                if (newest == null) newest = e;
                else console.printf("WARNING: %s%n", e.getMessage());
            }
        }
        throw new IOException(newest.getMessage() + "; no older checkpoint in " + store.root() + " is intact either");
    }

    /**
     * Writes checkpoint {@code step} of a sharded run together with its other processes: this process's devices'
     * blocks ({@code localBlocks}, by device, then by state leaf name as {@link CheckpointLayout} names them; replicas
     * of an earlier device's block may be left out, and leaves the layout does not name are ignored) as shard files, its data-iterator state when there are several processes, and on process 0 the index, config and
     * state. See {@link CheckpointStore#save(long, ProcessGroup, Duration, CheckpointStore.ProcessFilesWriter,
     * CheckpointStore.CheckpointWriter)} for the protocol.
     */
    public static Path saveSharded(CheckpointStore store, long step, CheckpointLayout layout, Map<Integer, Map<String, HostTensor>> localBlocks, MonetConfig model,
            IteratorState dataState, JsonNode runConfig, long seed, Duration timeout) throws IOException {
        ProcessGroup processes = layout.processes();
        if (!layout.localDevices().containsAll(localBlocks.keySet())) {
            throw new IllegalArgumentException(processes + " holds devices " + layout.localDevices() + " of the mesh, but blocks were given for " + localBlocks.keySet());
        }
        List<String> frozen = new MonetModel(model).parameters().stream().map(p -> p.path()).filter(p -> !layout.shapes().containsKey("m." + p)).toList();
        return store.save(step, processes, timeout, dir -> {
            List<Path> files = new ArrayList<>(ShardedCheckpoint.writeShards(dir, localBlocks, layout.localDevices(), layout.shapes(), layout.shardings()));
            if (processes.processCount() > 1) {
                Path data = dir.resolve(dataFile(processes.processIndex()));
                Files.writeString(data, dataState == null ? "null\n" : dataState.toJson() + "\n");
                files.add(data);
            }
            return files;
        }, dir -> {
            ShardedCheckpoint.writeIndex(dir, layout.shapes(), layout.shardings(), ShardedCheckpoint.dtypes(localBlocks));
            for (String f : ShardedCheckpoint.files(dir)) {
                if (!Files.isRegularFile(dir.resolve(f))) throw new IOException(dir + ": " + f + " was not written by the process holding its device");
            }
            model.write(dir.resolve("config.json"));
            writeState(dir, step, seed, dataState, runConfig, frozen, processes.processCount());
        });
    }

    public static void write(Path dir, TrainState s, MonetConfig model, IteratorState dataState, JsonNode runConfig, long seed) throws IOException {
        Safetensors.write(dir.resolve(MODEL_FILE), s.modelTensors(model), Map.of("format", "pt"));
        Map<String, HostTensor> opt = new LinkedHashMap<>();
        s.m().forEach((k, v) -> opt.put("m." + k, v));
        s.v().forEach((k, v) -> opt.put("v." + k, v));
        Safetensors.write(dir.resolve(OPTIMIZER_FILE), opt, Map.of("step", Long.toString(s.step())));
        model.write(dir.resolve("config.json"));
        writeState(dir, s.step(), seed, dataState, runConfig, s.params().keySet().stream().filter(k -> !s.m().containsKey(k)).toList(), 1);
    }

    private static void writeState(Path dir, long step, long seed, IteratorState dataState, JsonNode runConfig, List<String> frozen, int processes) throws IOException {
        ObjectNode st = JSON.createObjectNode();
        st.put("step", step);
        st.put("seed", seed);
        st.set("data", dataState == null ? null : JSON.readTree(dataState.toJson()));
        st.set("run_config", runConfig);
        // Where the weights came from before step 0, and what the run does not train.
        JsonNode initFrom = runConfig == null ? null : runConfig.path("train").get("init_from");
        if (initFrom != null) st.set("init_from", initFrom);
        frozen.forEach(st.putArray("frozen")::add);
        if (processes > 1) st.put("processes", processes); // each one's data state is in data-<process>.json
        Files.writeString(dir.resolve("state.json"), JSON.writeValueAsString(st) + "\n");
    }

    public static Loaded read(Path dir, MonetConfig expectedModel) throws IOException { return read(dir, expectedModel, frozenIn(dir)); }

    /**
     * Reads a checkpoint whose run freezes {@code frozen}: those parameters may lack moments (and any they have are
     * dropped); every other trainable parameter must have them.
     */
    public static Loaded read(Path dir, MonetConfig expectedModel, Set<String> frozen) throws IOException {
        verify(dir);
        return readVerified(dir, expectedModel, frozen);
    }

    /**
     * This process's devices' blocks of a checkpoint's parameters, buffers and moments under the run's {@code layout}
     * (any mesh and number of processes, whatever the checkpoint was saved with), reading from a sharded checkpoint
     * only the blocks that overlap them. {@code dir} is one {@link #latestIntact} chose (its files are not verified
     * again) and its model must be {@code expectedModel}, the run's. What a backend holding sharded arrays uploads on
     * resume.
     */
    public static Map<Integer, Map<String, HostTensor>> readBlocks(Path dir, CheckpointLayout layout, MonetConfig expectedModel) throws IOException {
        model(dir, expectedModel);
        if (ShardedCheckpoint.isSharded(dir)) return ShardedCheckpoint.restore(dir, layout.shardings(), layout.localDevices());
        Set<String> frozen = new LinkedHashSet<>();
        layout.shapes().keySet().stream().filter(n -> !n.startsWith("m.") && !n.startsWith("v.") && !layout.shapes().containsKey("m." + n)).forEach(frozen::add);
        return layout.localBlocks(readVerified(dir, expectedModel, frozen).state());
    }

    /** The model and its weights (parameters and buffers) of a checkpoint of either format, verified, without the AdamW moments. */
    public static Weights readWeights(Path dir) throws IOException {
        verify(dir);
        MonetConfig model = MonetConfig.read(dir.resolve("config.json"));
        long step = readState(dir.resolve("state.json")).get("step").asLong();
        Map<String, HostTensor> tensors = ShardedCheckpoint.isSharded(dir)
                ? ShardedCheckpoint.restore(dir, name -> !isMoment(name))
                : Safetensors.read(dir.resolve(MODEL_FILE)).tensors();
        HfModelDirectory.check(model, tensors, dir.toString());
        return new Weights(model, tensors, step);
    }

    /** Checks that a checkpoint of either format has its files and that they match its manifest. */
    private static void verify(Path dir) throws IOException {
        boolean sharded = ShardedCheckpoint.isSharded(dir);
        String[] required = sharded ? new String[] {ShardedCheckpoint.INDEX, "config.json", "state.json"} : new String[] {MODEL_FILE, OPTIMIZER_FILE, "config.json", "state.json"};
        for (String f : required) {
            if (!Files.isRegularFile(dir.resolve(f))) throw new IOException(dir + " is not a complete checkpoint: " + f + " is missing");
        }
        CheckpointManifest.verify(dir);
    }

    private static MonetConfig model(Path dir, MonetConfig expected) throws IOException {
        MonetConfig model = MonetConfig.read(dir.resolve("config.json"));
        if (expected != null && !model.toJson().equals(expected.toJson())) {
            throw new IllegalArgumentException(dir + ": the checkpoint's model config differs from the run config's model");
        }
        return model;
    }

    private static Loaded readVerified(Path dir, MonetConfig expectedModel, Set<String> frozen) throws IOException {
        MonetConfig model = model(dir, expectedModel);
        boolean sharded = ShardedCheckpoint.isSharded(dir);
        Map<String, HostTensor> tensors, opt;
        if (sharded) {
            // Gathered into fresh tensors: nothing maps the files afterwards.
            Map<String, HostTensor> all = ShardedCheckpoint.restore(dir);
            tensors = new LinkedHashMap<>();
            opt = new LinkedHashMap<>();
            all.forEach((k, t) -> (isMoment(k) ? opt : tensors).put(k, t));
        } else {
            tensors = Safetensors.read(dir.resolve(MODEL_FILE)).tensors();
            opt = Safetensors.read(dir.resolve(OPTIMIZER_FILE)).tensors();
        }
        String where = dir.resolve(sharded ? ShardedCheckpoint.INDEX : MODEL_FILE).toString();
        HfModelDirectory.check(model, tensors, where);
        JsonNode st = readState(dir.resolve("state.json"));
        Map<String, HostTensor> params = new LinkedHashMap<>(), buffers = new LinkedHashMap<>(), m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
        String optWhere = dir.resolve(sharded ? ShardedCheckpoint.INDEX : OPTIMIZER_FILE).toString();
        for (var e : new MonetModel(model).variablesByPath().entrySet()) {
            String name = e.getKey();
            if (e.getValue().trainable()) {
                params.put(name, copy(tensors.get(name), sharded));
                if (frozen.contains(name)) continue;
                m.put(name, copy(require(opt, "m." + name, optWhere), sharded));
                v.put(name, copy(require(opt, "v." + name, optWhere), sharded));
            } else {
                buffers.put(name, copy(tensors.get(name), sharded));
            }
        }
        JsonNode data = st.get("data");
        IteratorState ds = data == null || data.isNull() ? null : IteratorState.fromJson(data.toString());
        List<IteratorState> all = new ArrayList<>();
        int processes = st.path("processes").asInt(1);
        if (processes == 1) all.add(ds);
        else for (int p = 0; p < processes; p++) all.add(readDataState(dir.resolve(dataFile(p))));
        return new Loaded(dir, new TrainState(params, buffers, m, v, st.get("step").asLong()), ds, st.get("run_config"), model, all);
    }

    private static IteratorState readDataState(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file.getParent() + " is not a complete checkpoint: " + file.getFileName() + " is missing");
        String json = Files.readString(file).trim();
        try {
            return json.equals("null") ? null : IteratorState.fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static String dataFile(int process) { return "data-" + process + ".json"; }

    private static boolean isMoment(String name) { return name.startsWith("m.") || name.startsWith("v."); }

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

    /** The parameters a checkpoint's run froze, from its state.json (none for checkpoints older than freezing). */
    private static Set<String> frozenIn(Path dir) {
        Path state = dir.resolve("state.json");
        if (!Files.isRegularFile(state)) return Set.of();
        Set<String> out = new LinkedHashSet<>();
        try {
            JSON.readTree(Files.readString(state)).path("frozen").forEach(n -> out.add(n.asText()));
        } catch (IOException e) {
            return Set.of(); // a damaged state.json is reported by the manifest check that follows
        }
        return out;
    }

    /**
     * Tensors of a checkpoint are copied out of the file mapping, so the files can be pruned while training goes on
     * (gathered shards are copies already).
     */
    private static HostTensor copy(HostTensor t, boolean fresh) { return fresh ? t : t.copy(); }

    private static HostTensor require(Map<String, HostTensor> opt, String name, String where) {
        HostTensor t = opt.get(name);
        if (t == null) throw new IllegalArgumentException(where + ": missing " + name);
        return t;
    }
}
