package monetj.train.checkpoint;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import monetj.core.dist.ProcessGroup;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.ir.Sharding;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.nn.Param;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.train.config.ConfigException;
import monetj.train.config.RunConfig;
import monetj.train.mesh.MeshPlan;
import monetj.train.step.TrainState;

/**
 * How a run's state lies over its device mesh and processes, for checkpoints: the global shape and sharding of every
 * state leaf (parameters and buffers by path, AdamW moments {@code m.<path>} and {@code v.<path>} like their
 * parameter) and the mesh devices this process holds. The mesh's devices are split over the processes in order:
 * process p of P holds devices {@code [p * D/P, (p + 1) * D/P)}, as PJRT numbers a multi-process client's devices
 * process by process. A run of one process on a mesh of one device is not sharded and keeps the single-file format.
 */
public record CheckpointLayout(Map<String, Shape> shapes, Map<String, Sharding> shardings, ProcessGroup processes) {
    public CheckpointLayout {
        shapes = Collections.unmodifiableMap(new LinkedHashMap<>(shapes));
        shardings = Collections.unmodifiableMap(new LinkedHashMap<>(shardings));
        int devices = deviceCount(shardings);
        if (devices % processes.processCount() != 0) {
            throw new IllegalArgumentException("a mesh of " + devices + " devices cannot be split evenly over " + processes.processCount() + " processes");
        }
    }

    /**
     * The layout of a run: its {@code mesh} over {@code devices} devices (all processes together), the model's
     * variables sharded by the mesh rules, and moments for every trainable parameter not in {@code frozen}.
     */
    public static CheckpointLayout of(RunConfig.Mesh mesh, MonetConfig model, Set<String> frozen, ProcessGroup processes, int devices) {
        LogicalAxisRules rules = MeshPlan.rules(mesh, devices);
        Map<String, Shape> shapes = new LinkedHashMap<>();
        Map<String, Sharding> shardings = new LinkedHashMap<>();
        for (Param p : new MonetModel(model).variables()) {
            Sharding s;
            try {
                s = rules.sharding(p.path(), p.axes(), p.type().shape());
            } catch (IllegalArgumentException e) {
                throw new ConfigException("mesh", e.getMessage());
            }
            List<String> names = p.trainable() && !frozen.contains(p.path()) ? List.of(p.path(), "m." + p.path(), "v." + p.path()) : List.of(p.path());
            for (String n : names) {
                shapes.put(n, p.type().shape());
                shardings.put(n, s);
            }
        }
        return new CheckpointLayout(shapes, shardings, processes);
    }

    /**
     * The devices of a run's mesh: the sizes in {@code mesh} when they are all fixed, else {@code localDevices} on
     * each of {@code processCount} processes.
     */
    public static int meshDevices(RunConfig.Mesh mesh, int processCount, int localDevices) {
        return mesh.fixed() ? MeshPlan.impliedDevices(mesh) : processCount * localDevices;
    }

    /** The devices of the mesh, all processes together. */
    public int deviceCount() { return deviceCount(shardings); }

    /** Whether checkpoints are written as shards: more than one device or more than one process. */
    public boolean sharded() { return deviceCount() > 1 || processes.processCount() > 1; }

    /** The mesh devices this process holds, in order. */
    public List<Integer> localDevices() {
        int per = deviceCount() / processes.processCount();
        List<Integer> out = new ArrayList<>();
        for (int d = processes.processIndex() * per; d < (processes.processIndex() + 1) * per; d++) out.add(d);
        return out;
    }

    /** This process's devices' blocks of a whole host state: what the Java executor and single-device backends hold. */
    public Map<Integer, Map<String, HostTensor>> localBlocks(TrainState whole) {
        Map<String, HostTensor> leaves = whole.leaves();
        if (!leaves.keySet().equals(shapes.keySet())) {
            throw new IllegalArgumentException("the run's state has leaves " + difference(leaves.keySet(), shapes.keySet()) + " the checkpoint layout does not, and lacks "
                    + difference(shapes.keySet(), leaves.keySet()));
        }
        return ShardedCheckpoint.split(leaves, shardings, localDevices());
    }

    private static List<String> difference(Set<String> a, Set<String> b) { return a.stream().filter(x -> !b.contains(x)).sorted().toList(); }

    private static int deviceCount(Map<String, Sharding> shardings) {
        return shardings.values().stream().findFirst().map(s -> s.mesh().deviceCount()).orElse(1);
    }
}
