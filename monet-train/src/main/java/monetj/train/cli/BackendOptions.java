package monetj.train.cli;

import monetj.core.backend.Backend;
import monetj.train.run.Backends;
import picocli.CommandLine.Option;

/** Backend selection shared by the commands that run programs. */
public final class BackendOptions {
    @Option(names = "--backend", defaultValue = "java", description = "a backend name: java (embedded executor), pjrt, ...; default ${DEFAULT-VALUE}")
    String kind;

    @Option(names = "--plugin", description = "PJRT plugin path (default: MONET_PJRT_PLUGIN, then the usual install locations)")
    String plugin;

    public Backend create() { return Backends.create(kind, plugin, null); }
}
