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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.ir.Sharding;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorBlocks;

/**
 * A checkpoint of sharded state: {@code shard-<device>.safetensors}, each written from the blocks its device holds
 * (a block held by several devices, replicated over some mesh axes, by the first of them only), and
 * {@code index.json} giving each tensor's global shape, dtype and sharding and where its blocks are. Written into a
 * temporary directory and renamed, as the single-device checkpoints. Restoring gathers whole tensors (the
 * Hugging Face export) or cuts the blocks of another mesh and sharding from the saved ones (resharding).
 */
public final class ShardedCheckpoint {
    public static final String INDEX = "index.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ShardedCheckpoint() {}

    /** Splits whole host tensors by their shardings into each device's blocks: what each holder would write. */
    public static Map<Integer, Map<String, HostTensor>> split(Map<String, HostTensor> whole, Map<String, Sharding> shardings) {
        Map<Integer, Map<String, HostTensor>> out = new LinkedHashMap<>();
        whole.forEach((name, t) -> {
            Sharding s = sharding(shardings, name);
            for (int d = 0; d < s.mesh().deviceCount(); d++) out.computeIfAbsent(d, k -> new LinkedHashMap<>()).put(name, TensorBlocks.block(t, s, d));
        });
        return out;
    }

    /**
     * Writes {@code dir} from each device's blocks ({@code blocks.get(device).get(name)}), with the global types in
     * {@code shapes} and dtypes taken from the blocks. Refuses an existing {@code dir}.
     */
    public static void write(Path dir, Map<Integer, Map<String, HostTensor>> blocks, Map<String, Shape> shapes, Map<String, Sharding> shardings) throws IOException {
        if (Files.exists(dir)) throw new IOException("checkpoint " + dir + " already exists");
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp-" + System.nanoTime());
        Files.createDirectories(tmp);
        ObjectNode index = JSON.createObjectNode();
        index.put("format", "monet-sharded-1");
        ObjectNode tensors = index.putObject("tensors");
        Map<Integer, Map<String, HostTensor>> files = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            String name = e.getKey();
            Sharding s = sharding(shardings, name);
            ObjectNode t = tensors.putObject(name);
            ArrayNode shape = t.putArray("shape");
            for (int d = 0; d < e.getValue().rank(); d++) shape.add(e.getValue().dim(d));
            writeSharding(t.putObject("sharding"), s);
            ArrayNode list = t.putArray("blocks");
            List<String> seen = new ArrayList<>();
            for (int device = 0; device < s.mesh().deviceCount(); device++) {
                int[] start = TensorBlocks.start(s, e.getValue(), device);
                String key = java.util.Arrays.toString(start);
                if (seen.contains(key)) continue; // a replica of a block already written
                seen.add(key);
                HostTensor b = blocks.getOrDefault(device, Map.of()).get(name);
                if (b == null) throw new IllegalArgumentException("device " + device + " holds no block of '" + name + "'");
                if (!b.shape().equals(s.shardShape(e.getValue()))) throw new IllegalArgumentException("block of '" + name + "' on device " + device + " is " + b.shape() + ", expected " + s.shardShape(e.getValue()));
                t.put("dtype", b.dtype().name());
                files.computeIfAbsent(device, k -> new LinkedHashMap<>()).put(name, b);
                ObjectNode entry = list.addObject();
                entry.put("file", file(device));
                ArrayNode st = entry.putArray("start");
                for (int x : start) st.add(x);
            }
        }
        for (Map.Entry<Integer, Map<String, HostTensor>> f : files.entrySet()) Safetensors.write(tmp.resolve(file(f.getKey())), f.getValue(), Map.of());
        Files.writeString(tmp.resolve(INDEX), JSON.writeValueAsString(index));
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Every tensor whole, gathered from its blocks. */
    public static Map<String, HostTensor> restore(Path dir) throws IOException {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        Reader r = new Reader(dir);
        for (String name : r.names()) {
            HostTensor whole = HostTensor.zeros(r.dtype(name), r.shape(name));
            r.fill(name, whole, new int[whole.shape().rank()]);
            out.put(name, whole);
        }
        return out;
    }

    /** Each device's blocks under {@code target} shardings (any mesh), cut from the saved blocks. */
    public static Map<Integer, Map<String, HostTensor>> restore(Path dir, Map<String, Sharding> target) throws IOException {
        Map<Integer, Map<String, HostTensor>> out = new LinkedHashMap<>();
        Reader r = new Reader(dir);
        for (String name : r.names()) {
            Sharding s = sharding(target, name);
            s.check(r.shape(name));
            for (int d = 0; d < s.mesh().deviceCount(); d++) {
                HostTensor block = HostTensor.zeros(r.dtype(name), s.shardShape(r.shape(name)));
                r.fill(name, block, TensorBlocks.start(s, r.shape(name), d));
                out.computeIfAbsent(d, k -> new LinkedHashMap<>()).put(name, block);
            }
        }
        return out;
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
            this.tensors = JSON.readTree(index.toFile()).get("tensors");
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

        /** Copies every saved block of {@code name} that overlaps {@code dst} (placed at {@code start}) into it. */
        void fill(String name, HostTensor dst, int[] start) throws IOException {
            for (JsonNode b : tensors.get(name).get("blocks")) {
                String file = b.get("file").asText();
                Map<String, HostTensor> contents = files.get(file);
                if (contents == null) {
                    contents = Safetensors.read(dir.resolve(file)).tensors();
                    files.put(file, contents);
                }
                HostTensor src = contents.get(name);
                if (src == null) throw new IOException(dir.resolve(file) + " lacks its block of '" + name + "'");
                int[] at = new int[b.get("start").size()];
                for (int i = 0; i < at.length; i++) at[i] = b.get("start").get(i).asInt();
                TensorBlocks.copyOverlap(src, at, dst, start);
            }
        }
    }
}
