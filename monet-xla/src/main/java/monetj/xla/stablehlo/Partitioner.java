package monetj.xla.stablehlo;

/**
 * Which of XLA's SPMD partitioners a sharded module is written for: Shardy (the {@code sdy} dialect, XLA's default
 * since 2025) or GSPMD ({@code mhlo.sharding} strings and {@code @Sharding} custom calls), kept for XLA builds that
 * predate Shardy. The compile options say the same ({@code use_shardy_partitioner}).
 */
public enum Partitioner {
    SHARDY,
    GSPMD;

    /** By its config name, {@code shardy} or {@code gspmd}. */
    public static Partitioner named(String name) {
        for (Partitioner p : values()) if (p.name().equalsIgnoreCase(name)) return p;
        throw new IllegalArgumentException("partitioner must be shardy or gspmd, got '" + name + "'");
    }
}
