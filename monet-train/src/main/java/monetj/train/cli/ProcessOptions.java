package monetj.train.cli;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import monetj.core.dist.KeyValueProcessGroup;
import monetj.core.dist.ProcessGroup;
import monetj.core.dist.ProcessIdentity;
import monetj.core.dist.ProcessIdentityResolver;
import monetj.train.config.RunConfig;
import picocli.CommandLine.Option;

/**
 * The flags that make {@code monet train} one process of several (one per host), and joining them: process 0
 * serves the key-value store on the coordinator's address, and every process waits there until all have come.
 */
public final class ProcessOptions {
    @Option(names = "--process-id", paramLabel = "ID", description = "this process's id in [0, N) (else MONET_PROCESS_ID, TPU_WORKER_ID, the TPU metadata server, 0)")
    Integer processId;

    @Option(names = "--num-processes", paramLabel = "N", description = "the number of processes of the run (else MONET_NUM_PROCESSES, TPU_WORKER_HOSTNAMES, the TPU metadata server, 1)")
    Integer numProcesses;

    @Option(names = "--coordinator", paramLabel = "HOST:PORT", description = "where process 0 serves the key-value store (else MONET_COORDINATOR, the first TPU worker:8476)")
    String coordinator;

    @Option(names = "--tpu-metadata", description = "read missing identity values from the Cloud TPU metadata server (asked anyway when the PJRT plugin is libtpu)")
    boolean tpuMetadata;

    @Option(names = "--rendezvous-timeout", paramLabel = "SECONDS", defaultValue = "300", description = "how long processes wait for each other (default: ${DEFAULT-VALUE})")
    int rendezvousSeconds;

    /** This process's identity, from the flags, the environment or (for TPU runs) the metadata server. */
    ProcessIdentity identity(RunConfig.Backend backend) {
        if (rendezvousSeconds < 1) throw new IllegalArgumentException("--rendezvous-timeout must be positive, got " + rendezvousSeconds);
        boolean tpu = backend.plugin() != null && backend.plugin().contains("libtpu");
        return ProcessIdentityResolver.system().resolve(new ProcessIdentityResolver.Flags(processId, numProcesses, coordinator), tpuMetadata || tpu);
    }

    /** The group of {@code identity}: a single process at once, several after their rendezvous at the coordinator. */
    ProcessGroup join(ProcessIdentity identity) throws TimeoutException, InterruptedException {
        if (identity.isSingle()) return ProcessGroup.single();
        return KeyValueProcessGroup.join(identity, Duration.ofSeconds(rendezvousSeconds));
    }
}
