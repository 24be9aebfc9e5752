package monetj.xla.stablehlo;

import monetj.core.ir.Sharding;

/**
 * An emitted program: the MLIR text of one module with {@code @main}, and the facts its compile options must
 * repeat ({@code mesh} is null for a single-device program; {@code partitioner} says how its shardings are written).
 */
public record StableHloModule(String text, Sharding.Mesh mesh, Partitioner partitioner) {
    public StableHloModule(String text, Sharding.Mesh mesh) { this(text, mesh, Partitioner.GSPMD); }

    /** Partitions = devices of the mesh; 1 without a mesh. */
    public int numPartitions() { return mesh == null ? 1 : mesh.deviceCount(); }

    /** XLA's SPMD partitioner is needed exactly when the program is annotated with shardings. */
    public boolean useSpmdPartitioning() { return mesh != null; }

    /** Whether XLA must read the shardings with Shardy rather than GSPMD. */
    public boolean useShardyPartitioner() { return mesh != null && partitioner == Partitioner.SHARDY; }
}
