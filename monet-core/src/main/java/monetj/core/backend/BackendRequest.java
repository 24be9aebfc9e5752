package monetj.core.backend;

/** How to open a backend: a PJRT plugin path (null: discovery) and the fraction of device memory to pool (null: the plugin's default). */
public record BackendRequest(String plugin, Double memoryFraction) {}
