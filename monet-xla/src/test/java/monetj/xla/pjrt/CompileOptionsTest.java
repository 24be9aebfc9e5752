package monetj.xla.pjrt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.List;
import monetj.core.ir.Graph;
import monetj.core.ir.Sharding;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.TensorType;
import monetj.xla.stablehlo.Partitioner;
import monetj.xla.stablehlo.StableHloEmitter;
import org.junit.jupiter.api.Test;

/** The hand-encoded CompileOptionsProto against the worked examples of docs/pjrt-c-api.md (section 4.2). */
class CompileOptionsTest {
    private static byte[] hex(String s) { return HexFormat.of().parseHex(s.replace(" ", "")); }

    @Test
    void singleDeviceWithExplicitDeviceZero() {
        assertArrayEquals(hex("1A 1A 08 FF FF FF FF FF FF FF FF FF 01 20 01 28 01 4A 09 08 01 10 01 1A 03 0A 01 00"), CompileOptions.singleDevice(0).encode());
    }

    @Test
    void spmdOverFourDevicesFollowsTheMesh() {
        Graph g = new Graph("m");
        Value x = g.parameter("x", TensorType.of(DType.F32, 8));
        g.shard(x, Sharding.of(new Sharding.Mesh(List.of("d"), new int[] {4}), "d"));
        g.setOutputs(List.of(x));
        // Example C without its Shardy flag (98 01 01), so the outer length is 0x2B, not 0x2E.
        byte[] expected = hex("1A 2B 08 FF FF FF FF FF FF FF FF FF 01 20 01 28 04 30 01 4A 18 08 01 10 04 1A 03 0A 01 00 1A 03 0A 01 01 1A 03 0A 01 02 1A 03 0A 01 03");
        assertArrayEquals(expected, CompileOptions.forModule(new StableHloEmitter().withPartitioner(Partitioner.GSPMD).emit(g), new int[] {0, 1, 2, 3}).encode());
        // Example C itself: the Shardy module sets use_shardy_partitioner (field 19, tag 98 01).
        byte[] shardy = hex("1A 2E 08 FF FF FF FF FF FF FF FF FF 01 20 01 28 04 30 01 4A 18 08 01 10 04 1A 03 0A 01 00 1A 03 0A 01 01 1A 03 0A 01 02 1A 03 0A 01 03 98 01 01");
        assertArrayEquals(shardy, CompileOptions.forModule(new StableHloEmitter().emit(g), new int[] {0, 1, 2, 3}).encode());
        assertThrows(IllegalArgumentException.class, () -> CompileOptions.forModule(new StableHloEmitter().emit(g), new int[] {0, 1}));
    }

    @Test
    void xlaOptionsGoToEnvOptionOverrides() {
        CompileOptions o = new CompileOptions(1, 1, false, null, java.util.Map.of()).withOverride("xla_gpu_autotune_level", 0).withOverride("xla_dump_to", "/tmp/dump");
        byte[] base = hex("1A 0F 08 FF FF FF FF FF FF FF FF FF 01 20 01 28 01");
        byte[] dump = concat(hex("3A 1A 0A 0B"), "xla_dump_to".getBytes(), hex("12 0B 0A 09"), "/tmp/dump".getBytes());
        byte[] autotune = concat(hex("3A 1C 0A 16"), "xla_gpu_autotune_level".getBytes(), hex("12 02 18 00"));
        assertArrayEquals(concat(base, dump, autotune), o.encode());
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
