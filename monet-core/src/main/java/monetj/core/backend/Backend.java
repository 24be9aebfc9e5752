package monetj.core.backend;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.ir.Graph;
import monetj.core.ir.Sharding;
import monetj.core.nn.Precision;
import monetj.core.program.Program;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorBlocks;
import monetj.core.tensor.TensorType;

/** Something that compiles graphs and runs them on its devices: the Java executor, or a PJRT plugin. */
public interface Backend extends AutoCloseable {
    /** A short platform name, e.g. "java", "cuda", "tpu". */
    String platform();

    /** The devices in words, e.g. "NVIDIA H100 80GB HBM3" (for reports and peak-FLOP lookups). */
    default String deviceDescription() { return platform(); }

    /** Its platform and the precision policy it runs by default; accelerators declare bf16-mixed. */
    default BackendCapabilities capabilities() { return new BackendCapabilities(platform(), Precision.F32); }

    /** Compiles a graph whose outputs are set. */
    Executable compile(Graph graph);

    /** Compiles a program; its arguments and results are then bound by leaf name. */
    default CompiledProgram compile(Program program) { return new CompiledProgram(program.name(), program.signature(), compile(program.graph())); }

    /** Copies a host tensor to the device. */
    DeviceBuffer put(HostTensor tensor);

    /** Copies a device buffer back to the host (a sharded one is gathered). */
    HostTensor get(DeviceBuffer buffer);

    /** The devices a program may be partitioned over; 1 where programs run whole (their shardings ignored). */
    default int deviceCount() { return 1; }

    /**
     * Whether a program's mesh spans the devices of several processes, each holding and putting only its own
     * blocks ({@link #putRows}); false where every process runs whole programs on devices of its own.
     */
    default boolean spansProcesses() { return false; }

    /**
     * Copies a host tensor laid out by {@code sharding} (null: whole): each device of the sharding's mesh receives
     * only its block. A backend that runs programs whole ignores the sharding.
     */
    default DeviceBuffer put(HostTensor tensor, Sharding sharding) { return put(tensor); }

    /**
     * Copies this process's rows of a global array: {@code part} is rows {@code [firstRow, firstRow + part rows)}
     * (along dimension 0) of an array of {@code global} type laid out by {@code sharding} over the program's mesh,
     * which may span the devices of several processes; each of this process's devices receives its block, which
     * must lie inside those rows. A backend that holds whole arrays takes only the whole array.
     */
    default DeviceBuffer putRows(HostTensor part, long firstRow, TensorType global, Sharding sharding) {
        if (firstRow != 0 || !part.type().equals(global)) {
            throw new UnsupportedOperationException(platform() + " holds whole arrays: it takes all of " + global + ", not rows " + firstRow + ".. of it ("
                    + part.type() + ")");
        }
        return put(part, sharding);
    }

    /**
     * Assembles a buffer of {@code type} laid out by {@code sharding} from blocks by mesh device index (as {@link
     * #localBlocks} gives them: each distinct block at least once, under one of the devices holding it). A backend
     * that runs programs whole joins them on the host.
     */
    default DeviceBuffer putBlocks(TensorType type, Sharding sharding, Map<Integer, HostTensor> blocks) {
        return put(TensorBlocks.join(type, sharding, blocks));
    }

    /**
     * This process's blocks of {@code buffer} under {@code sharding}, by mesh device index, each distinct block once
     * (under the first device holding it; replicas are not read), without gathering the whole array where it is
     * sharded on the devices. A backend that holds whole arrays cuts the blocks from it.
     */
    default Map<Integer, HostTensor> localBlocks(DeviceBuffer buffer, Sharding sharding) { return TensorBlocks.distinctBlocks(get(buffer), sharding); }

    @Override
    default void close() {}

    /** Compiles and runs a program once with host arguments by leaf name; returns the results by name. */
    default Map<String, HostTensor> run(Program program, Map<String, HostTensor> args) {
        Map<String, DeviceBuffer> in = new LinkedHashMap<>();
        try (CompiledProgram exe = compile(program)) {
            for (var leaf : program.signature().inputs()) {
                HostTensor t = args.get(leaf.name());
                if (t == null) throw new IllegalArgumentException(program.name() + ": no value given for argument '" + leaf.name() + "'");
                in.put(leaf.name(), put(t, leaf.sharding()));
            }
            Map<String, HostTensor> out = new LinkedHashMap<>();
            exe.run(in).forEach((name, b) -> {
                out.put(name, get(b));
                b.close();
            });
            return out;
        } finally {
            in.values().forEach(DeviceBuffer::close);
        }
    }

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
