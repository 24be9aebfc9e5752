package monetj.core.backend;

import java.util.List;
import java.util.Set;

/** A compiled program. */
public interface Executable extends AutoCloseable {
    /**
     * Runs with the given arguments. Arguments whose indices are in {@code donated} are consumed: the backend
     * may reuse their memory for results, and they are deleted afterwards.
     */
    List<DeviceBuffer> execute(List<DeviceBuffer> args, Set<Integer> donated);

    default List<DeviceBuffer> execute(List<DeviceBuffer> args) { return execute(args, Set.of()); }

    @Override
    default void close() {}
}
