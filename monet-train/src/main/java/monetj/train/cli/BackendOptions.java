package monetj.train.cli;

import monetj.core.backend.Backend;
import monetj.core.exec.JavaExecutor;
import picocli.CommandLine.Option;

/** Backend selection shared by the commands that run programs. */
public final class BackendOptions {
    @Option(names = "--backend", defaultValue = "java", description = "java (embedded executor) or pjrt; default ${DEFAULT-VALUE}")
    String kind;

    @Option(names = "--plugin", description = "PJRT plugin path (default: MONET_PJRT_PLUGIN, then the usual install locations)")
    String plugin;

    public Backend create() {
        return switch (kind) {
            case "java" -> new JavaExecutor();
            case "pjrt" -> throw new UnsupportedOperationException("the PJRT backend is not available in this build");
            default -> throw new IllegalArgumentException("--backend must be java or pjrt, got " + kind);
        };
    }
}
