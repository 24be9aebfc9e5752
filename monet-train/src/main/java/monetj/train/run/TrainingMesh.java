package monetj.train.run;

import monetj.core.backend.Backend;
import monetj.core.ir.LogicalAxisRules;
import monetj.train.config.RunConfig;
import monetj.train.mesh.MeshPlan;

/**
 * The mesh a run's programs are sharded over, as {@code monet emit} chooses it: the {@code mesh} section's sizes when
 * they are all given, else every device of the backend with the -1 axis taking the rest. A run on one device with no
 * sizes given is unsharded (null rules). A backend that runs programs whole (the Java executor) ignores the shardings
 * and computes the same values; the PJRT backend refuses a mesh of more devices than it has.
 */
final class TrainingMesh {
    private TrainingMesh() {}

    static LogicalAxisRules rules(RunConfig rc, Backend backend) { return rules(rc, backend, 1); }

    /**
     * As {@link #rules(RunConfig, Backend)} for a program spanning the devices of {@code processes} processes, each
     * with the backend's devices (PJRT with several processes: the global mesh; else 1, as one process).
     */
    static LogicalAxisRules rules(RunConfig rc, Backend backend, int processes) {
        int devices = rc.mesh().fixed() ? MeshPlan.impliedDevices(rc.mesh()) : processes * backend.deviceCount();
        return devices > 1 || rc.mesh().fixed() ? MeshPlan.rules(rc.mesh(), devices) : null;
    }
}
