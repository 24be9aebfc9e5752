package monetj.train.run;

import monetj.core.backend.Backend;

/**
 * Peak dense FLOP/s used for MFU. Known for PJRT devices we can name (bf16 dense tensor-core peaks); the
 * environment variable {@code MONET_PEAK_TFLOPS} overrides. The Java executor has no meaningful peak, so no
 * MFU is reported there unless one is given.
 */
final class PeakFlops {
    private PeakFlops() {}

    static Double of(Backend backend) {
        String env = System.getenv("MONET_PEAK_TFLOPS");
        if (env != null && !env.isBlank()) return Double.parseDouble(env) * 1e12;
        String kind = backend.deviceDescription().toLowerCase();
        if (kind.contains("h200") || kind.contains("h100")) return 989e12;
        if (kind.contains("a100")) return 312e12;
        if (kind.contains("tpu v4")) return 275e12;
        if (kind.contains("tpu v5p")) return 459e12;
        if (kind.contains("tpu v5 lite") || kind.contains("tpu v5e")) return 197e12;
        return null;
    }
}
