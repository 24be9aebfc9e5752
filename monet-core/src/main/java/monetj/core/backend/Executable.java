package monetj.core.backend;

import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/** A compiled program. */
public interface Executable extends AutoCloseable {
    /**
     * Runs with the given arguments. Arguments whose indices are in {@code donated} are consumed: the backend
     * may reuse their memory for results, and they are deleted afterwards.
     */
    List<DeviceBuffer> execute(List<DeviceBuffer> args, Set<Integer> donated);

    default List<DeviceBuffer> execute(List<DeviceBuffer> args) { return execute(args, Set.of()); }

    /**
     * The most bytes the latest execution held at once (arguments, intermediates and results), where the
     * backend measures it; empty before the first execution or when it does not.
     */
    default OptionalLong peakLiveBytes() { return OptionalLong.empty(); }

    @Override
    default void close() {}
}
