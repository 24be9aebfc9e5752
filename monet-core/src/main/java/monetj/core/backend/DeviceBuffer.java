package monetj.core.backend;

import monetj.core.tensor.TensorType;

/** A tensor held by a backend. Closing releases it; a donated buffer is consumed by the execution. */
public interface DeviceBuffer extends AutoCloseable {
    TensorType type();

    /** True once closed or donated. Using such a buffer is an error. */
    boolean isDeleted();

    @Override
    void close();
}
