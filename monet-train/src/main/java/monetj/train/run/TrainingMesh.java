package monetj.train.run;

import monetj.core.backend.Backend;
import monetj.core.ir.LogicalAxisRules;
import monetj.train.config.RunConfig;
import monetj.train.mesh.MeshPlan;

/**
 * The mesh a run's programs are sharded over, as {@code monet emit} chooses it: the {@code mesh} section's sizes when
 * they are all given, else every device of the backend with the -1 axis taking the rest. A run on one device with no
 * sizes given is unsharded (null rules). A backend that runs programs whole (the Java executor) ignores the shardings
 * and computes the same values; the PJRT backend counts every process's devices and refuses a mesh of more.
 */
final class TrainingMesh {
    private TrainingMesh() {}

    static LogicalAxisRules rules(RunConfig rc, Backend backend) {
        int devices = rc.mesh().fixed() ? MeshPlan.impliedDevices(rc.mesh()) : backend.deviceCount();
        return devices > 1 || rc.mesh().fixed() ? MeshPlan.rules(rc.mesh(), devices) : null;
    }
}
