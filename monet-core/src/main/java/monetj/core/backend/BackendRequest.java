package monetj.core.backend;

import monetj.core.dist.ProcessGroup;

/**
 * How to open a backend: a PJRT plugin path (null: discovery), the fraction of device memory to pool (null: the
 * plugin's default), and the processes of the run (a PJRT client of several processes shares their key-value store).
 */
public record BackendRequest(String plugin, Double memoryFraction, ProcessGroup processes) {
    public BackendRequest(String plugin, Double memoryFraction) { this(plugin, memoryFraction, ProcessGroup.single()); }
}
