package monetj.core.backend;

import java.util.ArrayList;
import java.util.List;
import monetj.core.ir.Graph;
import monetj.core.tensor.HostTensor;

/** Something that compiles graphs and runs them on its devices: the Java executor, or a PJRT plugin. */
public interface Backend extends AutoCloseable {
    /** A short platform name, e.g. "java", "cuda", "tpu". */
    String platform();

    /** The devices in words, e.g. "NVIDIA H100 80GB HBM3" (for reports and peak-FLOP lookups). */
    default String deviceDescription() { return platform(); }

    /** Compiles a graph whose outputs are set. */
    Executable compile(Graph graph);

    /** Copies a host tensor to the device. */
    DeviceBuffer put(HostTensor tensor);

    /** Copies a device buffer back to the host. */
    HostTensor get(DeviceBuffer buffer);

    @Override
    default void close() {}

    /** Compiles and runs once with host tensors: convenient for tests and one-off programs. */
    default List<HostTensor> run(Graph graph, List<HostTensor> args) {
        try (Executable exe = compile(graph)) {
            List<DeviceBuffer> in = new ArrayList<>();
            for (HostTensor t : args) in.add(put(t));
            List<DeviceBuffer> out = exe.execute(in);
            List<HostTensor> result = new ArrayList<>();
            for (DeviceBuffer b : out) {
                result.add(get(b));
                b.close();
            }
            for (DeviceBuffer b : in) b.close();
            return result;
        }
    }
}
