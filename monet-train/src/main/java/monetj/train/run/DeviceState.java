package monetj.train.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.backend.Backend;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.core.ir.Sharding;
import monetj.core.program.Leaf;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;
import monetj.train.checkpoint.CheckpointLayout;
import monetj.train.step.StepMetrics;
import monetj.train.step.TrainState;

/**
 * The run's state on the backend, by leaf name: parameters and buffers by path, {@code m.<path>},
 * {@code v.<path>}, {@code step}, and the gradients {@code grad.<path>} an accumulating micro-batch left. A
 * program takes the state leaves its signature names; its results replace the leaves of the same names (the
 * donated arguments are consumed). Closing releases everything. In a sharded run each leaf is laid out as the
 * programs' signatures say (on PJRT one block per device; results come back laid out the same way).
 */
final class DeviceState implements AutoCloseable {
    private final Backend backend;
    private final Map<String, DeviceBuffer> leaves = new LinkedHashMap<>();
    private final Map<String, Sharding> shardings;
    private final List<String> paramNames, bufferNames;
    private long step;

    private DeviceState(Backend backend, List<String> paramNames, List<String> bufferNames, long step, Map<String, Sharding> shardings) {
        this.backend = backend;
        this.paramNames = paramNames;
        this.bufferNames = bufferNames;
        this.step = step;
        this.shardings = Map.copyOf(shardings);
    }

    static DeviceState upload(Backend b, TrainState s) { return upload(b, s, Map.of()); }

    /** Puts each leaf laid out by {@code shardings} (by leaf name; a leaf not there is put whole). */
    static DeviceState upload(Backend b, TrainState s, Map<String, Sharding> shardings) {
        DeviceState d = new DeviceState(b, List.copyOf(s.params().keySet()), List.copyOf(s.buffers().keySet()), s.step(), shardings);
        try {
            s.leaves().forEach(d::put);
            d.put("step", HostTensor.scalar((int) s.step()));
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    /**
     * The state of step {@code step} assembled from this process's blocks of every leaf of {@code layout} (by mesh
     * device, then leaf name, as a sharded checkpoint's {@code readBlocks} gives them), each put where its device is:
     * what a backend keeping sharded arrays resumes from, without the whole state on the host. Laid out by {@code
     * shardings} (the step program's), which must be the layout's.
     */
    static DeviceState assemble(Backend b, List<String> paramNames, List<String> bufferNames, long step, Map<Integer, Map<String, HostTensor>> blocks,
            CheckpointLayout layout, Map<String, Sharding> shardings) {
        DeviceState d = new DeviceState(b, paramNames, bufferNames, step, shardings);
        try {
            for (Map.Entry<String, Sharding> e : layout.shardings().entrySet()) {
                String leaf = e.getKey();
                if (!e.getValue().equals(shardings.get(leaf))) {
                    throw new IllegalStateException("'" + leaf + "' is laid out as " + shardings.get(leaf) + " by the step program but as " + e.getValue() + " by the checkpoint layout");
                }
                Map<Integer, HostTensor> mine = new LinkedHashMap<>();
                blocks.forEach((device, leaves) -> {
                    if (leaves.containsKey(leaf)) mine.put(device, leaves.get(leaf));
                });
                if (mine.isEmpty()) throw new IllegalArgumentException("no block of '" + leaf + "' was read");
                TensorType type = new TensorType(mine.values().iterator().next().dtype(), layout.shapes().get(leaf));
                d.leaves.put(leaf, b.putBlocks(type, e.getValue(), mine));
            }
            d.put("step", HostTensor.scalar((int) step));
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    private void put(String leaf, HostTensor t) { leaves.put(leaf, backend.put(t, shardings.get(leaf))); }

    /**
     * The state of step 0 that a program made on the backend (an init program's results), held by leaf name, laid
     * out by {@code shardings} (the program's output shardings; empty when unsharded).
     */
    static DeviceState adopt(Backend b, List<String> paramNames, List<String> bufferNames, Map<String, DeviceBuffer> leaves, Map<String, Sharding> shardings) {
        DeviceState d = new DeviceState(b, List.copyOf(paramNames), List.copyOf(bufferNames), 0, shardings);
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

    /** The names of the state leaves a checkpoint holds, in order: params, their moments, buffers, step. */
    List<String> stateLeaves() {
        List<String> out = new ArrayList<>();
        for (String k : paramNames) {
            out.add(k);
            if (leaves.containsKey("m." + k)) out.addAll(List.of("m." + k, "v." + k)); // frozen parameters have no moments
        }
        out.addAll(bufferNames);
        out.add("step");
        return out;
    }

    /** How state leaf {@code name} is laid out over the mesh; null in an unsharded run. */
    Sharding sharding(String name) { return shardings.get(name); }

    /**
     * This process's blocks of every state leaf ({@link #stateLeaves}), by mesh device index and leaf name, without
     * gathering sharded leaves on the host: each distinct block once, under the first device holding it (replicas
     * are not read; that is what a sharded checkpoint writes). A leaf without a sharding is device 0's whole.
     */
    Map<Integer, Map<String, HostTensor>> localBlocks() {
        Map<Integer, Map<String, HostTensor>> out = new java.util.TreeMap<>();
        for (String name : stateLeaves()) {
            backend.localBlocks(leaves.get(name), shardings.get(name)).forEach((d, block) -> out.computeIfAbsent(d, k -> new LinkedHashMap<>()).put(name, block));
        }
        return out;
    }

    /** The state on the host, for a checkpoint (sharded leaves are gathered). */
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
     * This process's devices' blocks of the state, by device and leaf name, for a sharded checkpoint. When the state
     * is laid out as the checkpoint is (a sharded run), the blocks are read as the backend holds them (on PJRT each
     * distinct block from the device holding it, nothing gathered); otherwise the whole state is split on the host.
     */
    Map<Integer, Map<String, HostTensor>> localBlocks(CheckpointLayout layout) {
        boolean asHeld = layout.shardings().entrySet().stream().allMatch(e -> e.getValue().equals(shardings.get(e.getKey())));
        if (!asHeld) return layout.localBlocks(download());
        Map<Integer, Map<String, HostTensor>> out = new java.util.TreeMap<>(localBlocks());
        out.keySet().retainAll(layout.localDevices());
        return out;
    }

    @Override
    public void close() {
        for (DeviceBuffer b : new ArrayList<>(leaves.values())) b.close();
        leaves.clear();
    }
}
