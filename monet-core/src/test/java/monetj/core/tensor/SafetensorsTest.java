package monetj.core.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Headers that would load silently wrong are refused, naming the file and the tensors. */
class SafetensorsTest {
    @TempDir Path tmp;

    /** A file with this JSON header and {@code dataBytes} zero bytes of data. */
    private Path file(String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Path f = tmp.resolve("x.safetensors");
        Files.write(f, b.array());
        return f;
    }

    @Test
    void overlappingByteRangesAreRefusedNamingBothTensors() throws Exception {
        Path f = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        var e = assertThrows(IOException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("'a' [0, 8)") && e.getMessage().contains("'b' [4, 12)")
                && e.getMessage().contains("overlap"), e.getMessage());
    }

    @Test
    void aTensorNamedTwiceIsRefused() throws Exception {
        Path f = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
        var e = assertThrows(IOException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("Duplicate field 'a'"), e.getMessage());
    }

    @Test
    void dimensionsOf2To31OrMoreAreReportedUnwrappedWithTheFile() throws Exception {
        Path f = file("{\"big\":{\"dtype\":\"BOOL\",\"shape\":[2147483648],\"data_offsets\":[0,8]}}", 8);
        var e = assertThrows(IOException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("'big' has dimension 2147483648 at axis 0"), e.getMessage());
    }

    @Test
    void writtenFilesFollowTheUmaskAndReadBack() throws Exception {
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("w", HostTensor.fromDoubles(DType.F32, Shape.of(3), new double[] {1, 2, 3}));
        Path f = tmp.resolve("w.safetensors");
        Safetensors.write(f, t, Map.of("format", "pt"));
        Path reference = Files.createFile(tmp.resolve("reference"));
        assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(reference)), PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(2.0, Safetensors.read(f).tensors().get("w").getDouble(1));
        try (var s = Files.list(tmp)) {
            assertEquals(2, s.count(), "no temporary file left behind");
        }
    }
}
