package monetj.train.run;

import java.util.function.Supplier;
import monetj.core.backend.Backend;
import monetj.core.backend.BackendCapabilities;
import monetj.core.backend.BackendProvider;
import monetj.core.backend.BackendRequest;
import monetj.core.dist.ProcessGroup;
import monetj.core.nn.Precision;
import monetj.train.config.ConfigException;
import monetj.train.config.RunConfig;

/** The backend a run config or command line names, found through {@link BackendProvider}. */
public final class Backends {
    private Backends() {}

    public static Backend create(RunConfig.Backend b) { return create(b, ProcessGroup.single()); }

    /** The backend of one of {@code processes} (a PJRT client of several shares their key-value store). */
    public static Backend create(RunConfig.Backend b, ProcessGroup processes) {
        return provider(b.kind()).open(new BackendRequest(b.plugin(), b.memoryFraction(), processes));
    }

    /** The backend of a run: its {@code backend} section, writing sharded programs for its {@code mesh.partitioner}. */
    public static Backend forRun(RunConfig rc, ProcessGroup processes) {
        RunConfig.Backend b = rc.backend();
        return provider(b.kind()).open(new BackendRequest(b.plugin(), b.memoryFraction(), processes, rc.mesh().partitioner()));
    }

    public static Backend create(String kind, String plugin, Double memoryFraction) {
        return provider(kind).open(new BackendRequest(plugin, memoryFraction));
    }

    /** The precision policy of a run: {@code train.precision}, or for {@code auto} the backend kind's declared default. */
    public static Precision precision(RunConfig rc) { return precision(rc, () -> provider(rc.backend().kind()).capabilities()); }

    /** The same on an open backend, whichever kind the run config names ({@code monet bench step} runs several). */
    public static Precision precision(RunConfig rc, Backend backend) { return precision(rc, backend::capabilities); }

    private static Precision precision(RunConfig rc, Supplier<BackendCapabilities> capabilities) {
        return rc.train().precision().equals("auto") ? capabilities.get().defaultPrecision() : Precision.named(rc.train().precision());
    }

    private static BackendProvider provider(String kind) {
        try {
            return BackendProvider.named(kind);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("backend.kind", e.getMessage());
        }
    }
}
