package monetj.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
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
        return readLatestIntact(store, expectedModel, frozen, console, ProcessGroup.single());
    }

    /** As {@link #readLatestIntact(CheckpointStore, MonetConfig, Set, PrintStream)} for one of {@code processes}, which all choose the same checkpoint. */
    public static Loaded readLatestIntact(CheckpointStore store, MonetConfig expectedModel, Set<String> frozen, PrintStream console, ProcessGroup processes) throws IOException {
        return readVerified(latestIntact(store, console, processes, null), expectedModel, frozen);
    }

    /**
     * The newest checkpoint directory whose files all match its manifest (damaged ones are reported on {@code
     * console}), for one process that reads every file.
     */
    public static Path latestIntact(CheckpointStore store, PrintStream console) throws IOException { return latestIntact(store, console, ProcessGroup.single(), null); }

    /**
     * The newest checkpoint that every one of {@code processes} finds intact, the same on all of them. Each process
     * hashes the files it reads: with {@code blocks} (this process's layout, when it reads only its devices' blocks)
     * the small common files and the shard files overlapping its blocks, else every file. With several processes they
     * then exchange their verdicts through the store: a checkpoint is used only when all found their part intact,
     * otherwise every process reports the damage the lowest-numbered one found and all go on to the previous one.
     */
    public static Path latestIntact(CheckpointStore store, PrintStream console, ProcessGroup processes, CheckpointLayout blocks) throws IOException {
        List<Path> all = store.list();
        if (all.isEmpty()) throw new IllegalStateException("--resume: no checkpoint in " + store.root());
        String newest = null;
        for (int i = all.size() - 1; i >= 0; i--) {
            Path dir = all.get(i);
            String damage;
            try {
                verifyReadBy(dir, blocks);
                damage = "";
            } catch (DamagedCheckpointException e) {
                damage = e.getMessage();
            }
            damage = agreed(processes, dir, damage);
            if (damage.isEmpty()) {
                if (newest != null) console.printf("WARNING: %s; resuming from the previous intact checkpoint %s%n", newest, dir);
                return dir;
            }
            if (newest == null) newest = damage;
            else console.printf("WARNING: %s%n", damage);
        }
        throw new IOException(newest + "; no older checkpoint in " + store.root() + " is intact either");
    }

    /** The damage the lowest-numbered process found in {@code dir} ("" when all found their part intact). */
    private static String agreed(ProcessGroup processes, Path dir, String mine) throws IOException {
        if (processes.processCount() == 1) return mine;
        String name = "resume-verify-" + dir.getFileName();
        try {
            processes.publish(name, mine.getBytes(StandardCharsets.UTF_8));
            for (var e : processes.gather(name, BARRIER_TIMEOUT).entrySet()) {
                String theirs = new String(e.getValue(), StandardCharsets.UTF_8);
                if (!theirs.isEmpty()) return theirs + (e.getKey() == processes.processIndex() ? "" : " (found by process " + e.getKey() + ")");
            }
            return "";
        } catch (TimeoutException e) {
            throw new IOException("--resume: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("--resume: interrupted while the processes agreed on a checkpoint");
        }
    }

    /**
     * Checks the files of {@code dir} that a process reads against the manifest: with {@code blocks} (its layout) the
     * common files (index, config, state, data states) and the shard files overlapping its devices' blocks; else all.
     */
    private static void verifyReadBy(Path dir, CheckpointLayout blocks) throws IOException {
        if (blocks == null || !ShardedCheckpoint.isSharded(dir)) {
            verify(dir);
            return;
        }
        requireFiles(dir, true);
        CheckpointManifest.verify(dir, name -> !isShardFile(name), Set.of(ShardedCheckpoint.INDEX));
        Set<String> read = ShardedCheckpoint.filesOverlapping(dir, blocks.shardings(), blocks.localDevices());
        CheckpointManifest.verify(dir, read::contains, read);
    }

    private static boolean isShardFile(String name) { return name.startsWith("shard-") && name.endsWith(".safetensors"); }

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

    /**
     * What a process that keeps sharded state resumes from: its devices' blocks ({@link #readBlocks}), the step, process
     * 0's data-iterator state (the global position) and the run config, and how many bytes of shard files it read.
     */
    public record Blocks(Path dir, Map<Integer, Map<String, HostTensor>> blocks, long step, IteratorState dataState, JsonNode runConfig, long bytesRead) {}

    /** Reads {@link Blocks} of {@code dir}, one {@link #latestIntact} chose for {@code layout}. */
    public static Blocks readResumeBlocks(Path dir, CheckpointLayout layout, MonetConfig expectedModel) throws IOException {
        Map<Integer, Map<String, HostTensor>> blocks = readBlocks(dir, layout, expectedModel);
        long bytes = 0;
        if (ShardedCheckpoint.isSharded(dir)) for (String f : ShardedCheckpoint.filesOverlapping(dir, layout.shardings(), layout.localDevices())) bytes += Files.size(dir.resolve(f));
        else bytes = Files.size(dir.resolve(MODEL_FILE)) + Files.size(dir.resolve(OPTIMIZER_FILE));
        JsonNode st = readState(dir.resolve("state.json"));
        JsonNode data = st.get("data");
        IteratorState ds = data == null || data.isNull() ? null : IteratorState.fromJson(data.toString());
        return new Blocks(dir, blocks, st.get("step").asLong(), ds, st.get("run_config"), bytes);
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
        requireFiles(dir, ShardedCheckpoint.isSharded(dir));
        CheckpointManifest.verify(dir);
    }

    private static void requireFiles(Path dir, boolean sharded) throws IOException {
        String[] required = sharded ? new String[] {ShardedCheckpoint.INDEX, "config.json", "state.json"} : new String[] {MODEL_FILE, OPTIMIZER_FILE, "config.json", "state.json"};
        for (String f : required) {
            if (!Files.isRegularFile(dir.resolve(f))) throw new IOException(dir + " is not a complete checkpoint: " + f + " is missing");
        }
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
