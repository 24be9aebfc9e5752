package monetj.core.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostTensorTest {
    @Test
    void bf16RoundsToNearestEven() {
        assertEquals((short) 0x3F80, Float16.bf16FromFloat(1f));
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: the even mantissa (1.0) wins.
        assertEquals(1f, Float16.roundToBf16(1f + 0x1p-8f));
        // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 and 1 + 2^-6: 1 + 2^-6 has the even mantissa.
        assertEquals(1f + 0x1p-6f, Float16.roundToBf16(1f + 3 * 0x1p-8f));
        assertEquals(1f + 0x1p-7f, Float16.roundToBf16(1f + 0x1p-7f + 0x1p-10f));
        assertTrue(Float.isNaN(Float16.bf16ToFloat(Float16.bf16FromFloat(Float.NaN))));
        assertEquals(Float.POSITIVE_INFINITY, Float16.roundToBf16(Float.MAX_VALUE));
        assertEquals(65504f, Float16.f16ToFloat(Float16.f16FromFloat(65504f)));
    }

    @Test
    void arrayBackedTensorsShareTheirArray() {
        float[] v = {1, 2, 3, 4, 5, 6};
        HostTensor t = HostTensor.of(Shape.of(2, 3), v);
        assertSame(v, t.floats());
        assertSame(v, t.reshape(Shape.of(3, 2)).floats());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, t.doubles());
        assertEquals(DType.BF16, t.to(DType.BF16).dtype());
        assertArrayEquals(v, t.to(DType.BF16).to(DType.F32).floats());
    }

    @Test
    void shapesRejectNegativeSizesAndBadAxes() {
        assertThrows(IllegalArgumentException.class, () -> Shape.of(2, -1));
        Shape s = Shape.of(2, 0, 3);
        assertEquals(0, s.size());
        assertEquals(3, s.dim(-1));
        var e = assertThrows(IllegalArgumentException.class, () -> s.dim(3));
        assertTrue(e.getMessage().contains("axis 3") && e.getMessage().contains("[2, 0, 3]"), e.getMessage());
        assertArrayEquals(new long[] {0, 3, 1}, s.strides());
        var e2 = assertThrows(IllegalArgumentException.class, () -> HostTensor.of(Shape.of(2, 2), new float[3]));
        assertTrue(e2.getMessage().contains("16 bytes"), e2.getMessage());
    }

    @Test
    void safetensorsRoundTripEveryDtypeWithoutCopying(@TempDir Path dir) throws Exception {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put("f32", HostTensor.of(Shape.of(2, 2), new float[] {1, -2, 3.5f, 4}));
        m.put("f64", HostTensor.of(Shape.of(3), new double[] {1e-300, 2, 3}));
        m.put("bf16", HostTensor.fromDoubles(DType.BF16, Shape.of(2), new double[] {1.5, -0.25}));
        m.put("f16", HostTensor.fromDoubles(DType.F16, Shape.of(1), new double[] {0.1}));
        m.put("i32", HostTensor.of(Shape.of(2), new int[] {-7, 1 << 30}));
        m.put("i64", HostTensor.of(Shape.SCALAR, new long[] {1L << 40}));
        m.put("bool", HostTensor.ofPred(Shape.of(3), new byte[] {1, 0, 1}));
        m.put("empty", HostTensor.zeros(DType.F32, Shape.of(0, 4)));
        Path f = dir.resolve("x.safetensors");
        Safetensors.write(f, m, Map.of("format", "pt"));
        Safetensors.Contents c = Safetensors.read(f);
        assertEquals("pt", c.metadata().get("format"));
        assertEquals(m.keySet(), c.tensors().keySet());
        for (String k : m.keySet()) assertTrue(m.get(k).contentEquals(c.tensors().get(k)), k);
        assertTrue(c.tensors().get("f32").data().isMapped(), "read tensors are views of the mapping");
    }

    @Test
    void corruptHeadersAreReportedWithTheFileName(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.safetensors");
        java.nio.file.Files.write(f, new byte[] {1, 2, 3});
        var e = assertThrows(java.io.IOException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains("bad.safetensors"), e.getMessage());
        byte[] b = new byte[16];
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(8).put("{nonsense".getBytes(), 0, 8);
        java.nio.file.Files.write(f, b);
        var e2 = assertThrows(java.io.IOException.class, () -> Safetensors.read(f));
        assertTrue(e2.getMessage().contains("not valid JSON"), e2.getMessage());
    }
}
