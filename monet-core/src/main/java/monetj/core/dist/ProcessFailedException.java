package monetj.core.dist;

/**
 * Another process of the run failed (it published why before exiting), so this one stops too instead of waiting for
 * it at the next barrier until the timeout.
 */
public final class ProcessFailedException extends RuntimeException {
    private final int failedProcess;

    public ProcessFailedException(int failedProcess, int processCount, String reason, int thisProcess) {
        super("process " + failedProcess + " of " + processCount + " failed: " + reason + " (this is process " + thisProcess + ", stopping too)");
        this.failedProcess = failedProcess;
    }

    /** The process that failed first. */
    public int failedProcess() { return failedProcess; }
}
