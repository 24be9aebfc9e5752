package monetj.core.tensor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors file format: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the raw little-endian data. Reading memory-maps the file, so tensors are
 * views of the mapping and nothing is copied until a kernel needs a Java array.
 */
public final class Safetensors {
    // A header naming one tensor twice is corrupt: which of the two would be meant cannot be known.
    private static final ObjectMapper JSON = new ObjectMapper().enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final long MAX_HEADER = 100L << 20;
    private static final long WRITE_CHUNK = 1L << 24;

    private Safetensors() {}

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** The tensors of a file (in header order) and its {@code __metadata__} strings. */
    public record Contents(Map<String, HostTensor> tensors, Map<String, String> metadata) {}

    /** Reads a file; the mapping stays valid for the life of the JVM (auto arena). */
    public static Contents read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            if (fileSize < 8) throw new IOException(path + ": not a safetensors file (" + fileSize + " bytes, header length missing)");
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, fileSize, Arena.ofAuto());
            long headerLen = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > fileSize) {
                throw new IOException(path + ": corrupt safetensors header length " + headerLen + " for a file of " + fileSize + " bytes");
            }
            byte[] headerBytes = file.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            JsonNode header;
            try {
                header = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IOException(path + ": safetensors header is not valid JSON: " + e.getOriginalMessage(), e);
            }
            long dataStart = 8 + headerLen;
            long dataSize = fileSize - dataStart;
            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                tensors.put(e.getKey(), parseEntry(path, e.getKey(), e.getValue(), file, dataStart, dataSize));
            }
            checkDisjoint(path, header);
            return new Contents(tensors, metadata);
        }
    }

    private static HostTensor parseEntry(Path path, String name, JsonNode entry, MemorySegment file, long dataStart, long dataSize)
            throws IOException {
        JsonNode dt = entry.get("dtype"), sh = entry.get("shape"), off = entry.get("data_offsets");
        if (dt == null || sh == null || off == null || !sh.isArray() || !off.isArray() || off.size() != 2) {
            throw new IOException(path + ": tensor '" + name + "' has a malformed header entry: " + entry);
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensors(dt.asText());
        } catch (IllegalArgumentException ex) {
            throw new IOException(path + ": tensor '" + name + "': " + ex.getMessage(), ex);
        }
        int[] dims = new int[sh.size()];
        long expected = dtype.byteSize();
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                throw new IOException(path + ": tensor '" + name + "' has dimension " + d + " at axis " + i + " of shape " + sh
                        + " (dimensions must be integers in [0, 2^31))");
            }
            dims[i] = d.intValue();
            try {
                expected = Math.multiplyExact(expected, dims[i]);
            } catch (ArithmeticException e) {
                throw new IOException(path + ": tensor '" + name + "' of shape " + sh + " has more bytes than a file can hold");
            }
        }
        Shape shape = Shape.of(dims);
        long begin = off.get(0).asLong(), end = off.get(1).asLong();
        if (begin < 0 || end < begin || end > dataSize || end - begin != expected) {
            throw new IOException(path + ": tensor '" + name + "' " + dtype + shape + " has byte range [" + begin + ", " + end
                    + ") but needs " + expected + " bytes within a data section of " + dataSize + " bytes (truncated or corrupt file?)");
        }
        return new HostTensor(dtype, shape, file.asSlice(dataStart + begin, expected));
    }

    /** Refuses headers whose tensors share bytes: writing one would silently change the other. */
    private static void checkDisjoint(Path path, JsonNode header) throws IOException {
        record Range(String name, long begin, long end) {}
        java.util.List<Range> ranges = new java.util.ArrayList<>();
        header.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("__metadata__")) {
                JsonNode off = e.getValue().get("data_offsets");
                if (off.get(1).asLong() > off.get(0).asLong()) ranges.add(new Range(e.getKey(), off.get(0).asLong(), off.get(1).asLong()));
            }
        });
        ranges.sort(java.util.Comparator.comparingLong(Range::begin));
        for (int i = 1; i < ranges.size(); i++) {
            Range a = ranges.get(i - 1), b = ranges.get(i);
            if (b.begin() < a.end()) {
                throw new IOException(path + ": tensors '" + a.name() + "' [" + a.begin() + ", " + a.end() + ") and '" + b.name() + "' ["
                        + b.begin() + ", " + b.end() + ") overlap (corrupt file)");
            }
        }
    }

    /** Writes tensors in the given order, data aligned as the reference writer does (header padded to 8 bytes). */
    public static void write(Path path, Map<String, HostTensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            HostTensor t = e.getValue();
            ObjectNode n = header.putObject(e.getKey());
            n.put("dtype", t.dtype().safetensorsName());
            var shape = n.putArray("shape");
            for (int d : t.shape().dims()) shape.add(d);
            long len = t.data().byteSize();
            n.putArray("data_offsets").add(offset).add(offset + len);
            offset += len;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) & ~7;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.position() < head.capacity()) head.put((byte) ' ');
        head.flip();
        Path parent = path.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        // Written to a temporary file and renamed: readers never see a half-written file, and a file that is
        // memory-mapped by a reader (possibly the source of these very tensors) is never truncated under it.
        // The temporary file is created like any other file (mode from the umask, unlike createTempFile's 0600),
        // and written with write(2), not a mapping, so a full disk is an IOException rather than a SIGBUS.
        Path tmp = parent.resolve("." + path.getFileName() + "." + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeFully(ch, head);
                // Tensors may be views of any array or mapping: copied through one direct buffer in chunks.
                ByteBuffer chunk = ByteBuffer.allocateDirect((int) Math.min(WRITE_CHUNK, Math.max(1, offset)));
                MemorySegment chunkSegment = MemorySegment.ofBuffer(chunk);
                for (HostTensor t : tensors.values()) {
                    MemorySegment data = t.data();
                    for (long at = 0; at < data.byteSize(); at += chunk.capacity()) {
                        int n = (int) Math.min(chunk.capacity(), data.byteSize() - at);
                        MemorySegment.copy(data, at, chunkSegment, 0, n);
                        writeFully(ch, chunk.clear().limit(n));
                    }
                }
                ch.force(true);
            } catch (IOException e) {
                throw new IOException("cannot write " + path + ": " + e.getMessage(), e);
            }
            Files.move(tmp, path, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
