package monetj.xla.pjrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import monetj.core.backend.DeviceBuffer;
import monetj.core.ir.Sharding;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorBlocks;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

/** {@code putRows} in one process of the fake plugin with 4 devices: each device's block cut from the rows given. */
class PutRowsTest {
    private static final Sharding.Mesh MESH = new Sharding.Mesh(MultiProcessPjrtChild.AXES, new int[] {2, 2, 1, 1});

    @Test
    void theRowsOfTheWholeArrayPutEachDeviceItsBlock() {
        try (PjrtBackend b = PjrtBackend.open(FakePlugin.withDevices(4), ClientOptions.none())) {
            assertFalse(b.spansProcesses(), "four devices of one process");
            HostTensor batch = MultiProcessPjrtChild.distinct(Shape.of(8, 3), 4);
            for (Sharding s : List.of(MultiProcessPjrtChild.BY_ROWS, Sharding.of(MESH, "data", null), Sharding.of(MESH, null, null))) {
                try (DeviceBuffer buffer = b.putRows(batch, 0, batch.type(), s)) {
                    ShardedArray a = assertInstanceOf(ShardedArray.class, buffer);
                    assertEquals(4, a.shards().size());
                    for (int d = 0; d < 4; d++) assertTrue(b.client().get(a.shards().get(d)).contentEquals(TensorBlocks.block(batch, s, d)), s.dims() + ": device " + d);
                    assertTrue(b.get(buffer).contentEquals(batch));
                }
            }
        }
    }

    @Test
    void rowsThatDoNotCoverEveryLocalBlockAreRefusedNamingTheDevice() {
        try (PjrtBackend b = PjrtBackend.open(FakePlugin.withDevices(4), ClientOptions.none())) {
            HostTensor batch = MultiProcessPjrtChild.distinct(Shape.of(8, 3), 4);
            HostTensor firstHalf = MultiProcessPjrtChild.rows(batch, 0, 4);
            long buffers = FakePlugin.stat(FakePlugin.withDevices(4), "buffers");
            var e = assertThrows(IllegalArgumentException.class, () -> b.putRows(firstHalf, 0, batch.type(), MultiProcessPjrtChild.BY_ROWS));
            assertTrue(e.getMessage().contains(b.client().devices().get(2) + " (mesh position 2) holds rows [4, 6), but this process gave rows [0, 4)"), e.getMessage());
            assertEquals(buffers, FakePlugin.stat(FakePlugin.withDevices(4), "buffers"), "the blocks put before the refusal are released");
            var shape = assertThrows(IllegalArgumentException.class, () -> b.putRows(HostTensor.zeros(DType.F32, Shape.of(4, 2)), 0, batch.type(), MultiProcessPjrtChild.BY_ROWS));
            assertTrue(shape.getMessage().contains("rows 0.. of " + batch.type() + " cannot be "), shape.getMessage());
            var past = assertThrows(IllegalArgumentException.class, () -> b.putRows(firstHalf, 6, batch.type(), MultiProcessPjrtChild.BY_ROWS));
            assertTrue(past.getMessage().contains("must be a run of the global array's rows"), past.getMessage());
            var whole = assertThrows(UnsupportedOperationException.class, () -> b.putRows(firstHalf, 0, TensorType.of(DType.F32, 8, 3), null));
            assertTrue(whole.getMessage().contains("holds whole arrays"), whole.getMessage());
        }
    }
}
