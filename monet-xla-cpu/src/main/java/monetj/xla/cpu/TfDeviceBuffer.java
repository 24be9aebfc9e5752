package monetj.xla.cpu;

import monetj.core.backend.DeviceBuffer;
import monetj.core.tensor.TensorType;
import org.tensorflow.Tensor;

/** A tensor held by the xla-cpu backend: a TensorFlow tensor, fed back into the next execution as it is. */
final class TfDeviceBuffer implements DeviceBuffer {
    private final TensorType type;
    private Tensor tensor;

    TfDeviceBuffer(TensorType type, Tensor tensor) {
        this.type = type;
        this.tensor = tensor;
    }

    @Override
    public TensorType type() { return type; }

    @Override
    public boolean isDeleted() { return tensor == null; }

    Tensor tensor() {
        if (tensor == null) throw new IllegalStateException("xla-cpu buffer " + type + " was already released or donated");
        return tensor;
    }

    @Override
    public void close() {
        if (tensor != null) tensor.close();
        tensor = null;
    }

    @Override
    public String toString() { return "xla-cpu buffer " + type + (tensor == null ? " (released)" : ""); }
}
