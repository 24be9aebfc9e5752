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
    /** Set to 1 to run several processes although their gradients are not reduced across them (tests of the plumbing). */
    static final String UNREDUCED_FOR_TESTS = "MONET_TEST_UNREDUCED_PROCESSES";

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
        // Each process runs the step on its part of the global batch; until the trainer runs one step program
        // spanning every process's devices (so XLA reduces the gradients across hosts), the processes would train
        // separate copies of the model, so such runs are only for testing the plumbing.
        if (!"1".equals(System.getenv(UNREDUCED_FOR_TESTS))) {
            throw new IllegalArgumentException(identity + ": a run of several processes needs a step program spanning every process's devices, which the trainer"
                    + " does not build yet; each process would train its own copy of the model on its part of the data, unreduced. " + UNREDUCED_FOR_TESTS
                    + "=1 runs it anyway, to test the multi-process plumbing");
        }
        return KeyValueProcessGroup.join(identity, Duration.ofSeconds(rendezvousSeconds));
    }
}
