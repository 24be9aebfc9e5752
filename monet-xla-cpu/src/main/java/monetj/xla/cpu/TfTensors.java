package monetj.xla.cpu;

import java.lang.foreign.MemorySegment;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataStorageVisitor;

/**
 * Copies between host tensors and TensorFlow tensors with one memcpy each way: a TensorFlow tensor's bytes are
 * native memory, reached through its raw buffer's address and wrapped as a {@link MemorySegment}.
 */
final class TfTensors {
    private TfTensors() {}

    static Tensor fromHost(HostTensor t) {
        long bytes = t.data().byteSize();
        Tensor tensor = Tensor.of(TfTypes.tensorClass(t.dtype()), TfTypes.shape(t.shape()), bytes);
        if (bytes > 0) MemorySegment.copy(t.data(), 0, bytesOf(tensor), 0, bytes);
        return tensor;
    }

    static HostTensor toHost(Tensor tensor, TensorType type) {
        HostTensor out = HostTensor.zeros(type.dtype(), type.shape());
        long bytes = out.data().byteSize();
        if (tensor.numBytes() != bytes) {
            throw new IllegalStateException("TensorFlow tensor " + tensor.shape() + " " + tensor.dataType() + " has " + tensor.numBytes()
                    + " bytes, " + type + " needs " + bytes);
        }
        if (bytes > 0) MemorySegment.copy(bytesOf(tensor), 0, out.data(), 0, bytes);
        return out;
    }

    /** The tensor's own bytes (valid while the tensor is open). */
    private static MemorySegment bytesOf(Tensor tensor) {
        long bytes = tensor.numBytes();
        long address = tensor.asRawTensor().data().accept(new DataStorageVisitor<Long>() {
            @Override
            public Long visit(long address, long length, long scale) { return address; }

            @Override
            public Long fallback() {
                throw new IllegalStateException("TensorFlow tensor " + tensor.shape() + " is not backed by native memory");
            }
        });
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }
}
