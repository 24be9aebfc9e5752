package monetj.core.backend;

import monetj.core.dist.ProcessGroup;

/**
 * How to open a backend: a PJRT plugin path (null: discovery), the fraction of device memory to pool (null: the
 * plugin's default), the processes of the run (a PJRT client of several processes shares their key-value store), and
 * the SPMD partitioner sharded programs are written for ({@code shardy} or {@code gspmd}; null: the backend's own).
 */
public record BackendRequest(String plugin, Double memoryFraction, ProcessGroup processes, String partitioner) {
    public BackendRequest(String plugin, Double memoryFraction) { this(plugin, memoryFraction, ProcessGroup.single()); }

    public BackendRequest(String plugin, Double memoryFraction, ProcessGroup processes) { this(plugin, memoryFraction, processes, null); }
}
