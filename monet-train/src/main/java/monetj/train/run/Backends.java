package monetj.train.run;

import monetj.core.backend.Backend;
import monetj.core.exec.JavaExecutor;
import monetj.train.config.RunConfig;

/** Creates the backend a run config or command line names. */
public final class Backends {
    private Backends() {}

    public static Backend create(RunConfig.Backend b) { return create(b.kind(), b.plugin(), b.memoryFraction()); }

    public static Backend create(String kind, String plugin, Double memoryFraction) {
        return switch (kind) {
            case "java" -> new JavaExecutor();
            case "pjrt" -> monetj.xla.pjrt.PjrtBackend.open(plugin, memoryFraction);
            default -> throw new IllegalArgumentException("backend must be java or pjrt, got " + kind);
        };
    }
}
