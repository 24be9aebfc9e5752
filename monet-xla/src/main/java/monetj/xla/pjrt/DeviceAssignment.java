package monetj.xla.pjrt;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import monetj.core.ir.Sharding;

/**
 * Which device runs each position of a mesh: position i runs on the i-th of the client's global devices in
 * process-major order (every device of process 0, then of process 1, ..., each process's in the client's order).
 * Every process computes the same assignment, and each holds a contiguous run of mesh positions, as the
 * checkpoint layout and the per-process rows of a batch assume.
 */
final class DeviceAssignment {
    private DeviceAssignment() {}

    /** The devices of {@code mesh}, in mesh order, from {@code global} (all processes' devices) of the client of {@code plugin}. */
    static List<PjrtDevice> of(Sharding.Mesh mesh, List<PjrtDevice> global, Object plugin) {
        int n = mesh.deviceCount();
        long processes = global.stream().mapToInt(PjrtDevice::processIndex).distinct().count();
        if (n > global.size()) {
            String has = processes > 1 ? global.size() + " devices over " + processes + " processes" : global.size() + " addressable device" + (global.size() == 1 ? "" : "s");
            throw new IllegalArgumentException("mesh " + mesh + " spans " + n + " devices, but the PJRT client of " + plugin + " has " + has
                    + "; choose mesh sizes that multiply to at most " + global.size() + " (e.g. --set mesh.fsdp=" + global.size() + ")");
        }
        List<PjrtDevice> ordered = new ArrayList<>(global);
        ordered.sort(Comparator.comparingInt(PjrtDevice::processIndex)); // stable: each process's devices keep the client's order
        return List.copyOf(ordered.subList(0, n));
    }
}
