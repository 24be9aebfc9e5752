package monetj.core.dist;

/**
 * Who this process is among the processes of one run: its id in {@code [0, count)}, how many there are, and the
 * coordinator's address (process 0 serves the key-value store there; null for a single process). {@code source}
 * says where the values came from, for messages.
 */
public record ProcessIdentity(int processId, int processCount, String coordinatorHost, int coordinatorPort, String source) {
    /** The coordinator port when only a host is known (as on a Cloud TPU VM): the one JAX and PyTorch/XLA use too. */
    public static final int DEFAULT_PORT = 8476;

    public ProcessIdentity {
        if (processCount < 1) throw new IllegalArgumentException("the number of processes must be positive, got " + processCount + " (" + source + ")");
        if (processId < 0 || processId >= processCount) {
            throw new IllegalArgumentException("process id " + processId + " is not in [0, " + processCount + ") (" + source + ")");
        }
        if (processCount > 1 && coordinatorHost == null) {
            throw new IllegalArgumentException(processCount + " processes need a coordinator address HOST:PORT (--coordinator or MONET_COORDINATOR); " + source);
        }
        if (coordinatorHost != null && (coordinatorPort < 1 || coordinatorPort > 65535)) {
            throw new IllegalArgumentException("coordinator port " + coordinatorPort + " is not in [1, 65535] (" + source + ")");
        }
    }

    public static ProcessIdentity single() { return new ProcessIdentity(0, 1, null, 0, "default: a single process"); }

    public boolean isSingle() { return processCount == 1; }

    /** {@code HOST:PORT}, or null for a single process. */
    public String coordinator() { return coordinatorHost == null ? null : coordinatorHost + ":" + coordinatorPort; }

    @Override
    public String toString() {
        return "process " + processId + " of " + processCount + (coordinatorHost == null ? "" : ", coordinator " + coordinator());
    }
}
