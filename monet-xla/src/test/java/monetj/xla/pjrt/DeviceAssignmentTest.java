package monetj.xla.pjrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.List;
import monetj.core.ir.Sharding;
import org.junit.jupiter.api.Test;

/** Mesh positions on global devices: process-major, each process's devices in the client's order. */
class DeviceAssignmentTest {
    private static PjrtDevice device(int id, int process) { return new PjrtDevice(MemorySegment.ofAddress(0x1000 + id), id, "Fake", process, id % 2); }

    private static Sharding.Mesh mesh(int... sizes) { return new Sharding.Mesh(List.of("data", "fsdp"), sizes); }

    private static List<Integer> ids(List<PjrtDevice> devices) { return devices.stream().map(PjrtDevice::id).toList(); }

    @Test
    void positionsFollowTheProcessesThenEachProcesssOrder() {
        // A client may list the devices interleaved and its ids need not follow the processes.
        List<PjrtDevice> global = List.of(device(5, 1), device(0, 0), device(7, 1), device(3, 0), device(2, 2), device(1, 2));
        assertEquals(List.of(0, 3, 5, 7, 2, 1), ids(DeviceAssignment.of(mesh(3, 2), global, "fake")));
        assertEquals(List.of(0, 3, 5, 7), ids(DeviceAssignment.of(mesh(2, 2), global, "fake")), "a smaller mesh takes the first processes' devices");
    }

    @Test
    void oneProcessKeepsTheClientsOrder() {
        List<PjrtDevice> global = List.of(device(1, 0), device(0, 0), device(2, 0));
        assertEquals(List.of(1, 0), ids(DeviceAssignment.of(mesh(1, 2), global, "fake")));
    }

    @Test
    void aMeshLargerThanEveryProcessTogetherIsRefused() {
        List<PjrtDevice> two = List.of(device(0, 0), device(1, 1));
        var e = assertThrows(IllegalArgumentException.class, () -> DeviceAssignment.of(mesh(2, 2), two, "libfake.so"));
        assertTrue(e.getMessage().contains("spans 4 devices, but the PJRT client of libfake.so has 2 devices over 2 processes"), e.getMessage());
        var one = assertThrows(IllegalArgumentException.class, () -> DeviceAssignment.of(mesh(1, 2), List.of(device(0, 0)), "libfake.so"));
        assertTrue(one.getMessage().contains("has 1 addressable device;"), one.getMessage());
    }
}
