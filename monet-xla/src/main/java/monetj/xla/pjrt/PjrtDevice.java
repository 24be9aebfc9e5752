package monetj.xla.pjrt;

import java.lang.foreign.MemorySegment;

/**
 * A device of a client. {@code id} is the global id used in device assignments, {@code localHardwareId} the
 * ordinal on this host (e.g. the CUDA device number), {@code kind} the vendor's name (e.g. a GPU model).
 */
public record PjrtDevice(MemorySegment handle, int id, String kind, int processIndex, int localHardwareId) {
    @Override
    public String toString() { return "device " + id + " (" + kind + ", process " + processIndex + ", local " + localHardwareId + ")"; }
}
