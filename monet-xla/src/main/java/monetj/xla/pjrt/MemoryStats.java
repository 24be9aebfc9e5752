package monetj.xla.pjrt;

/** A device's memory use in bytes; {@code bytesLimit} is -1 where the plugin does not say. */
public record MemoryStats(long bytesInUse, long bytesLimit) {}
