package monetj.train.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.backend.Backend;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.core.program.Leaf;
import monetj.core.tensor.HostTensor;
import monetj.train.checkpoint.CheckpointLayout;
import monetj.train.step.StepMetrics;
import monetj.train.step.TrainState;

/**
 * The run's state on the backend, by leaf name: parameters and buffers by path, {@code m.<path>},
 * {@code v.<path>}, {@code step}, and the gradients {@code grad.<path>} an accumulating micro-batch left. A
 * program takes the state leaves its signature names; its results replace the leaves of the same names (the
 * donated arguments are consumed). Closing releases everything.
 */
final class DeviceState implements AutoCloseable {
    private final Backend backend;
    private final Map<String, DeviceBuffer> leaves = new LinkedHashMap<>();
    private final List<String> paramNames, bufferNames;
    private long step;

    private DeviceState(Backend backend, List<String> paramNames, List<String> bufferNames, long step) {
        this.backend = backend;
        this.paramNames = paramNames;
        this.bufferNames = bufferNames;
        this.step = step;
    }

    static DeviceState upload(Backend b, TrainState s) {
        DeviceState d = new DeviceState(b, List.copyOf(s.params().keySet()), List.copyOf(s.buffers().keySet()), s.step());
        s.params().forEach((k, t) -> d.leaves.put(k, b.put(t)));
        s.buffers().forEach((k, t) -> d.leaves.put(k, b.put(t)));
        s.m().forEach((k, t) -> d.leaves.put("m." + k, b.put(t)));
        s.v().forEach((k, t) -> d.leaves.put("v." + k, b.put(t)));
        d.leaves.put("step", b.put(HostTensor.scalar((int) s.step())));
        return d;
    }

    /** The state of step 0 that a program made on the backend (an init program's results), held by leaf name. */
    static DeviceState adopt(Backend b, List<String> paramNames, List<String> bufferNames, Map<String, DeviceBuffer> leaves) {
        DeviceState d = new DeviceState(b, List.copyOf(paramNames), List.copyOf(bufferNames), 0);
        d.leaves.putAll(leaves);
        return d;
    }

    /** The optimizer steps taken so far. */
    long step() { return step; }

    /** Runs {@code program} on the state and the {@code batch} leaves; returns its metrics and keeps its other results as the new state. */
    StepMetrics.Report run(CompiledProgram program, Map<String, DeviceBuffer> batch) {
        Map<String, DeviceBuffer> args = new LinkedHashMap<>();
        for (Leaf l : program.signature().inputs()) {
            DeviceBuffer b = batch.containsKey(l.name()) ? batch.get(l.name()) : leaves.get(l.name());
            if (b == null) throw new IllegalStateException("program needs state '" + l.name() + "', which the run does not hold");
            args.put(l.name(), b);
        }
        Map<String, DeviceBuffer> results = program.run(args);
        StepMetrics.Report report = StepMetrics.read(backend, program.signature(), results);
        results.forEach((name, buffer) -> {
            DeviceBuffer old = leaves.put(name, buffer);
            if (old != null && !old.isDeleted()) old.close();
        });
        leaves.values().removeIf(DeviceBuffer::isDeleted); // donated and not returned: consumed gradients
        if (results.containsKey("step")) step++;
        return report;
    }

    /** The state on the host, for a checkpoint. */
    TrainState download() {
        Map<String, HostTensor> params = new LinkedHashMap<>(), buffers = new LinkedHashMap<>(), m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
        for (String k : paramNames) {
            params.put(k, backend.get(leaves.get(k)));
            if (!leaves.containsKey("m." + k)) continue; // frozen: no moments
            m.put(k, backend.get(leaves.get("m." + k)));
            v.put(k, backend.get(leaves.get("v." + k)));
        }
        for (String k : bufferNames) buffers.put(k, backend.get(leaves.get(k)));
        return new TrainState(params, buffers, m, v, step);
    }

    /**
     * This process's devices' blocks of the state, by device and leaf name, for a sharded checkpoint: here the whole
     * state split on the host, as single-device backends and the Java executor hold it.
     */
    Map<Integer, Map<String, HostTensor>> localBlocks(CheckpointLayout layout) { return layout.localBlocks(download()); }

    @Override
    public void close() {
        for (DeviceBuffer b : new ArrayList<>(leaves.values())) b.close();
        leaves.clear();
    }
}
