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
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {}

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
            } catch (IOException e) {
                throw new IOException(path + ": safetensors header is not valid JSON: " + e.getMessage(), e);
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
        for (int i = 0; i < dims.length; i++) dims[i] = sh.get(i).asInt();
        Shape shape = Shape.of(dims);
        long begin = off.get(0).asLong(), end = off.get(1).asLong();
        long expected = shape.size() * dtype.byteSize();
        if (begin < 0 || end < begin || end > dataSize || end - begin != expected) {
            throw new IOException(path + ": tensor '" + name + "' " + dtype + shape + " has byte range [" + begin + ", " + end
                    + ") but needs " + expected + " bytes within a data section of " + dataSize + " bytes (truncated or corrupt file?)");
        }
        return new HostTensor(dtype, shape, file.asSlice(dataStart + begin, expected));
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
        Path tmp = Files.createTempFile(parent, "." + path.getFileName(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 Arena arena = Arena.ofConfined()) {
                MemorySegment out = ch.map(FileChannel.MapMode.READ_WRITE, 0, head.remaining() + offset, arena);
                MemorySegment.copy(MemorySegment.ofBuffer(head), 0, out, 0, head.remaining());
                long at = head.remaining();
                for (HostTensor t : tensors.values()) {
                    MemorySegment.copy(t.data(), 0, out, at, t.data().byteSize());
                    at += t.data().byteSize();
                }
                out.force();
            }
            Files.move(tmp, path, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
