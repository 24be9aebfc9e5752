package monetj.train.mesh;

import java.util.List;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.ir.Sharding;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.tensor.Shape;
import monetj.train.config.ConfigException;
import monetj.train.config.RunConfig;

/**
 * A run's device mesh and logical axis rules, from its {@code mesh} section and the device count: the mesh has
 * the four axes data, fsdp, tensor and expert (size-one axes included, so every program names the same mesh), and
 * the rules are {@link LogicalAxisRules#DEFAULTS} with the config's {@code mesh.rules} over them.
 */
public final class MeshPlan {
    private MeshPlan() {}

    /** The rules of {@code mesh} on {@code devices} devices; unknown logical names in {@code mesh.rules} are refused. */
    public static LogicalAxisRules rules(RunConfig.Mesh mesh, int devices) {
        for (String logical : mesh.rules().keySet()) {
            if (!LogicalAxisRules.DEFAULTS.containsKey(logical)) {
                throw new ConfigException("mesh.rules." + logical, "is not a logical axis name; known: " + LogicalAxisRules.DEFAULTS.keySet());
            }
        }
        Sharding.Mesh m = new Sharding.Mesh(RunConfig.Mesh.AXES, mesh.resolve(devices));
        try {
            return LogicalAxisRules.withDefaults(m, mesh.rules());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("mesh.rules", e.getMessage());
        }
    }

    /** The device count a mesh with fixed sizes names; 1 when one axis takes the rest. */
    public static int impliedDevices(RunConfig.Mesh mesh) { return mesh.fixed() ? java.util.Arrays.stream(mesh.sizes()).reduce(1, (a, b) -> a * b) : 1; }

    /**
     * Checks, when the config is read, that every mesh axis divides the dimensions it is mapped to: each variable of
     * the model and the token batch [micro_batch, seq_len + 1]. Refusals name the key {@code mesh}, the tensor, the
     * dimension, its size and the axis. Meshes with a -1 axis are checked once the device count is known.
     */
    public static void check(RunConfig rc, MonetConfig model) {
        if (!rc.mesh().fixed()) return;
        LogicalAxisRules rules = rules(rc.mesh(), impliedDevices(rc.mesh()));
        try {
            new MonetModel(model).shard(rules);
            rules.sharding("tokens", List.of("batch", "length"), Shape.of(rc.train().microBatchSize(), rc.data().seqLen() + 1));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("mesh", e.getMessage());
        }
    }
}
