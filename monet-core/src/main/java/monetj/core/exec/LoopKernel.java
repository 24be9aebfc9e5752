package monetj.core.exec;

import java.util.List;
import monetj.core.ir.Value;

/** The kernel of a fused cluster: one loop that reads {@link #reads} (a broadcast read through is passed as its operand). */
interface LoopKernel extends ExecutorKernel {
    /** The values to pass to {@link #run}, in order. */
    List<Value> reads();

    /** The loop for {@code cluster}: integer bit mixing in int registers, everything else in f32 ones, its body run by {@code code}. */
    static LoopKernel of(FusionPlan.Cluster cluster, FusedLoop.Code code) {
        return cluster.integer() ? new IntFusedLoop(cluster) : new FusedLoop(cluster, code);
    }
}
