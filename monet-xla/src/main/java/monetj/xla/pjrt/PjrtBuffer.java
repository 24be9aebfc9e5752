package monetj.xla.pjrt;

import java.lang.foreign.MemorySegment;
import monetj.core.backend.DeviceBuffer;
import monetj.core.tensor.TensorType;

/** An array on a PJRT device. Closing destroys it; a buffer donated to an execution is destroyed then. */
public final class PjrtBuffer extends NativeHandle implements DeviceBuffer {
    private final TensorType type;
    final PjrtDevice device;

    PjrtBuffer(PjrtClient client, MemorySegment address, TensorType type, PjrtDevice device) {
        super(client.api, address, PjrtFunction.BUFFER_DESTROY, PjrtStructs.BufferDestroyArgs.STRUCT_SIZE, PjrtStructs.BufferDestroyArgs.BUFFER, client);
        this.type = type;
        this.device = device;
    }

    @Override public TensorType type() { return type; }

    public PjrtDevice device() { return device; }

    @Override public boolean isDeleted() { return isClosed(); }

    @Override
    public String toString() { return "PjrtBuffer" + type + " on " + device + (isClosed() ? " (released)" : ""); }
}
