package monetj.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import monetj.core.ir.Sharding;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorBlocks;

/**
 * A checkpoint of sharded state: {@code shard-<device>.safetensors}, each written from the blocks its device holds
 * (a block held by several devices, replicated over some mesh axes, by the first of them only), and
 * {@code index.json} giving each tensor's global shape, dtype and sharding and where its blocks are. The shard files
 * of a multi-process run are written by the processes holding their devices, the index once by process 0 (see
 * {@link TrainCheckpoint}); {@link #write} does both in one process. Restoring gathers whole tensors (the Hugging
 * Face export) or cuts the blocks of another mesh and sharding from the saved ones (resharding), opening only the
 * shard files whose blocks overlap what is asked for.
 */
public final class ShardedCheckpoint {
    public static final String INDEX = "index.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ShardedCheckpoint() {}

    /** Splits whole host tensors by their shardings into each device's blocks: what each holder would write. */
    public static Map<Integer, Map<String, HostTensor>> split(Map<String, HostTensor> whole, Map<String, Sharding> shardings) {
        return split(whole, shardings, null);
    }

    /** As {@link #split(Map, Map)}, for the devices in {@code devices} only (null: every device of the mesh). */
    public static Map<Integer, Map<String, HostTensor>> split(Map<String, HostTensor> whole, Map<String, Sharding> shardings, Collection<Integer> devices) {
        Map<Integer, Map<String, HostTensor>> out = new LinkedHashMap<>();
        whole.forEach((name, t) -> {
            Sharding s = sharding(shardings, name);
            for (int d : devices(s, devices)) out.computeIfAbsent(d, k -> new LinkedHashMap<>()).put(name, TensorBlocks.block(t, s, d));
        });
        return out;
    }

    /**
     * Writes {@code dir} from each device's blocks ({@code blocks.get(device).get(name)}), with the global types in
     * {@code shapes} and dtypes taken from the blocks, through a temporary directory renamed into place. Refuses an
     * existing {@code dir}.
     */
    public static void write(Path dir, Map<Integer, Map<String, HostTensor>> blocks, Map<String, Shape> shapes, Map<String, Sharding> shardings) throws IOException {
        if (Files.exists(dir)) throw new IOException("checkpoint " + dir + " already exists");
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp-" + System.nanoTime());
        Files.createDirectories(tmp);
        writeShards(tmp, blocks, blocks.keySet(), shapes, shardings);
        writeIndex(tmp, shapes, shardings, dtypes(blocks));
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Writes the shard files of {@code devices} (this process's) into {@code dir} from their blocks: each device's
     * file holds the blocks it is the first holder of. {@code blocks} may leave out replicas (blocks a device holds
     * that an earlier device holds too) and may hold leaves the checkpoint does not keep. Returns the files written.
     */
    public static List<Path> writeShards(Path dir, Map<Integer, Map<String, HostTensor>> blocks, Collection<Integer> devices, Map<String, Shape> shapes,
            Map<String, Sharding> shardings) throws IOException {
        Map<Integer, Map<String, HostTensor>> files = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            String name = e.getKey();
            Sharding s = sharding(shardings, name);
            Set<Integer> writers = firstHolders(s, e.getValue());
            for (int device : devices) {
                if (!writers.contains(device)) continue; // a replica: an earlier device writes it
                HostTensor b = blocks.getOrDefault(device, Map.of()).get(name);
                if (b == null) throw new IllegalArgumentException("device " + device + " holds no block of '" + name + "'");
                if (!b.shape().equals(s.shardShape(e.getValue()))) {
                    throw new IllegalArgumentException("block of '" + name + "' on device " + device + " is " + b.shape() + ", expected " + s.shardShape(e.getValue()) + " under " + s.dims());
                }
                files.computeIfAbsent(device, k -> new LinkedHashMap<>()).put(name, b);
            }
        }
        List<Path> written = new ArrayList<>();
        for (Map.Entry<Integer, Map<String, HostTensor>> f : files.entrySet()) {
            Path file = dir.resolve(file(f.getKey()));
            Safetensors.write(file, f.getValue(), Map.of());
            written.add(file);
        }
        return written;
    }

    /** Writes {@code index.json}: each tensor's shape, dtype, sharding and its blocks' files and starts (from the shardings alone). */
    public static void writeIndex(Path dir, Map<String, Shape> shapes, Map<String, Sharding> shardings, Map<String, DType> dtypes) throws IOException {
        ObjectNode index = JSON.createObjectNode();
        index.put("format", "monet-sharded-1");
        ObjectNode tensors = index.putObject("tensors");
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            String name = e.getKey();
            Sharding s = sharding(shardings, name);
            DType dtype = dtypes.get(name);
            if (dtype == null) throw new IllegalArgumentException("no dtype given for '" + name + "'");
            ObjectNode t = tensors.putObject(name);
            ArrayNode shape = t.putArray("shape");
            for (int d = 0; d < e.getValue().rank(); d++) shape.add(e.getValue().dim(d));
            t.put("dtype", dtype.name());
            writeSharding(t.putObject("sharding"), s);
            ArrayNode list = t.putArray("blocks");
            for (int device : firstHolders(s, e.getValue())) {
                ObjectNode entry = list.addObject();
                entry.put("file", file(device));
                ArrayNode st = entry.putArray("start");
                for (int x : TensorBlocks.start(s, e.getValue(), device)) st.add(x);
            }
        }
        Files.writeString(dir.resolve(INDEX), JSON.writeValueAsString(index));
    }

    /** The dtype of every tensor, from any device's blocks. */
    public static Map<String, DType> dtypes(Map<Integer, Map<String, HostTensor>> blocks) {
        Map<String, DType> out = new LinkedHashMap<>();
        blocks.values().forEach(m -> m.forEach((name, t) -> out.putIfAbsent(name, t.dtype())));
        return out;
    }

    /** Whether {@code dir} holds a sharded checkpoint (its index). */
    public static boolean isSharded(Path dir) { return Files.isRegularFile(dir.resolve(INDEX)); }

    /** Every tensor whole, gathered from its blocks. */
    public static Map<String, HostTensor> restore(Path dir) throws IOException { return restore(dir, (Predicate<String>) name -> true); }

    /** The tensors whose names pass {@code wanted}, whole. */
    public static Map<String, HostTensor> restore(Path dir, Predicate<String> wanted) throws IOException {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        Reader r = new Reader(dir);
        for (String name : r.names()) {
            if (!wanted.test(name)) continue;
            HostTensor whole = HostTensor.zeros(r.dtype(name), r.shape(name));
            r.fill(name, whole, new int[whole.shape().rank()]);
            out.put(name, whole);
        }
        return out;
    }

    /** Each device's blocks under {@code target} shardings (any mesh), cut from the saved blocks. */
    public static Map<Integer, Map<String, HostTensor>> restore(Path dir, Map<String, Sharding> target) throws IOException { return restore(dir, target, null); }

    /**
     * The blocks of the devices in {@code devices} (null: every device of the target mesh) of every tensor in
     * {@code target}, under its sharding there, reading only the saved blocks that overlap them.
     */
    public static Map<Integer, Map<String, HostTensor>> restore(Path dir, Map<String, Sharding> target, Collection<Integer> devices) throws IOException {
        Map<Integer, Map<String, HostTensor>> out = new LinkedHashMap<>();
        Reader r = new Reader(dir);
        List<String> missing = target.keySet().stream().filter(n -> !r.tensors.has(n)).toList();
        if (!missing.isEmpty()) throw new IOException(dir.resolve(INDEX) + ": the checkpoint has no " + missing);
        for (Map.Entry<String, Sharding> e : target.entrySet()) {
            String name = e.getKey();
            Sharding s = e.getValue();
            try {
                s.check(r.shape(name));
            } catch (IllegalArgumentException x) {
                throw new IOException(dir.resolve(INDEX) + ": '" + name + "' of shape " + r.shape(name) + " cannot take the run's sharding: " + x.getMessage(), x);
            }
            for (int d : devices(s, devices)) {
                HostTensor block = HostTensor.zeros(r.dtype(name), s.shardShape(r.shape(name)));
                r.fill(name, block, TensorBlocks.start(s, r.shape(name), d));
                out.computeIfAbsent(d, k -> new LinkedHashMap<>()).put(name, block);
            }
        }
        return out;
    }

    /**
     * The shard files that restoring the blocks of {@code devices} under {@code target} opens: those holding a saved
     * block that overlaps one of them (what {@link #restore(Path, Map, Collection)} reads, found from the index alone).
     */
    public static Set<String> filesOverlapping(Path dir, Map<String, Sharding> target, Collection<Integer> devices) throws IOException {
        Reader r = new Reader(dir);
        Set<String> out = new LinkedHashSet<>();
        for (Map.Entry<String, Sharding> e : target.entrySet()) {
            if (!r.tensors.has(e.getKey())) continue; // restoring reports it
            Shape global = r.shape(e.getKey());
            for (int d : devices(e.getValue(), devices)) out.addAll(r.files(e.getKey(), TensorBlocks.start(e.getValue(), global, d), e.getValue().shardShape(global)));
        }
        return out;
    }

    /** The shard files the index names. */
    public static Set<String> files(Path dir) throws IOException {
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode t : new Reader(dir).tensors) for (JsonNode b : t.get("blocks")) out.add(b.get("file").asText());
        return out;
    }

    /** The devices holding a distinct block of a value: the first of each group of replicas, in device order. */
    private static Set<Integer> firstHolders(Sharding s, Shape shape) {
        Set<String> seen = new HashSet<>();
        Set<Integer> out = new LinkedHashSet<>();
        for (int device = 0; device < s.mesh().deviceCount(); device++) {
            if (seen.add(Arrays.toString(TensorBlocks.start(s, shape, device)))) out.add(device);
        }
        return out;
    }

    private static Collection<Integer> devices(Sharding s, Collection<Integer> devices) {
        if (devices == null) return java.util.stream.IntStream.range(0, s.mesh().deviceCount()).boxed().toList();
        for (int d : devices) if (d < 0 || d >= s.mesh().deviceCount()) throw new IllegalArgumentException("device " + d + " is not on mesh " + s.mesh());
        return devices;
    }

    private static Sharding sharding(Map<String, Sharding> shardings, String name) {
        Sharding s = shardings.get(name);
        if (s == null) throw new IllegalArgumentException("no sharding given for '" + name + "'");
        return s;
    }

    private static String file(int device) { return "shard-" + device + ".safetensors"; }

    private static void writeSharding(ObjectNode n, Sharding s) {
        ObjectNode mesh = n.putObject("mesh");
        for (int i = 0; i < s.mesh().axisNames().size(); i++) mesh.put(s.mesh().axisNames().get(i), s.mesh().axisSizes()[i]);
        ArrayNode dims = n.putArray("dims");
        for (List<String> axes : s.dims()) {
            ArrayNode a = dims.addArray();
            axes.forEach(a::add);
        }
    }

    /** The index of a checkpoint and its shard files, opened as needed. */
    private static final class Reader {
        private final Path dir;
        private final JsonNode tensors;
        private final Map<String, Map<String, HostTensor>> files = new HashMap<>();

        Reader(Path dir) throws IOException {
            this.dir = dir;
            Path index = dir.resolve(INDEX);
            if (!Files.isRegularFile(index)) throw new IOException(dir + " is not a sharded checkpoint (no " + INDEX + ")");
            JsonNode root;
            try {
                root = JSON.readTree(index.toFile());
            } catch (IOException e) {
                throw new IOException(index + ": not valid JSON: " + e.getMessage(), e);
            }
            if (root == null || !root.path("tensors").isObject()) throw new IOException(index + ": no 'tensors' map");
            this.tensors = root.get("tensors");
        }

        List<String> names() {
            List<String> out = new ArrayList<>();
            tensors.fieldNames().forEachRemaining(out::add);
            return out;
        }

        Shape shape(String name) {
            JsonNode s = tensors.get(name).get("shape");
            int[] dims = new int[s.size()];
            for (int i = 0; i < dims.length; i++) dims[i] = s.get(i).asInt();
            return Shape.of(dims);
        }

        DType dtype(String name) { return DType.valueOf(tensors.get(name).get("dtype").asText()); }

        /** The files of the saved blocks of {@code name} that overlap a block of {@code shape} at {@code start}. */
        List<String> files(String name, int[] start, Shape shape) {
            Shape block = blockShape(name, shape(name));
            List<String> out = new ArrayList<>();
            for (JsonNode b : tensors.get(name).get("blocks")) {
                int[] at = new int[b.get("start").size()];
                for (int i = 0; i < at.length; i++) at[i] = b.get("start").get(i).asInt();
                if (overlaps(at, block, start, shape)) out.add(b.get("file").asText());
            }
            return out;
        }

        /** Copies every saved block of {@code name} that overlaps {@code dst} (placed at {@code start}) into it. */
        void fill(String name, HostTensor dst, int[] start) throws IOException {
            Shape global = shape(name);
            Shape block = blockShape(name, global);
            for (JsonNode b : tensors.get(name).get("blocks")) {
                int[] at = new int[b.get("start").size()];
                for (int i = 0; i < at.length; i++) at[i] = b.get("start").get(i).asInt();
                if (!overlaps(at, block, start, dst.shape())) continue; // its file need not be opened
                String file = b.get("file").asText();
                Map<String, HostTensor> contents = files.get(file);
                if (contents == null) {
                    Path p = dir.resolve(file);
                    if (!Files.isRegularFile(p)) throw new IOException(dir + " is not a complete checkpoint: " + file + ", named in " + INDEX + ", is missing");
                    contents = Safetensors.read(p).tensors();
                    files.put(file, contents);
                }
                HostTensor src = contents.get(name);
                if (src == null) throw new IOException(dir.resolve(file) + " lacks its block of '" + name + "'");
                if (!src.shape().equals(block)) throw new IOException(dir.resolve(file) + ": the block of '" + name + "' is " + src.shape() + ", the index says " + block);
                TensorBlocks.copyOverlap(src, at, dst, start);
            }
        }

        /** The shape of every saved block of {@code name}: the global shape over the saved sharding's parts. */
        private Shape blockShape(String name, Shape global) {
            JsonNode sh = tensors.get(name).get("sharding");
            int[] dims = new int[global.rank()];
            for (int d = 0; d < dims.length; d++) {
                int parts = 1;
                for (JsonNode axis : sh.get("dims").get(d)) parts *= sh.get("mesh").get(axis.asText()).asInt();
                dims[d] = global.dim(d) / parts;
            }
            return Shape.of(dims);
        }

        private static boolean overlaps(int[] aStart, Shape a, int[] bStart, Shape b) {
            for (int d = 0; d < aStart.length; d++) {
                if (Math.max(aStart[d], bStart[d]) >= Math.min(aStart[d] + a.dim(d), bStart[d] + b.dim(d))) return false;
            }
            return true;
        }
    }
}
