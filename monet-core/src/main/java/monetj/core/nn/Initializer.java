package monetj.core.nn;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * Creates a parameter's initial values. Values are drawn in f64 and rounded to the parameter's dtype.
 *
 * <p>Determinism: each parameter draws from its own {@link SplittableRandom} seeded by {@link #seedFor}: the
 * run's seed and a 64-bit FNV-1a hash of the parameter's path (UTF-8). So a parameter's values depend only
 * on (seed, path), not on how many parameters were created before it or in what order.
 */
@FunctionalInterface
public interface Initializer {
    /** Values of the given type drawn from {@code rng}, its only source of randomness. */
    HostTensor create(TensorType type, SplittableRandom rng);

    /** The per-parameter seed: {@code seed * 0x9E3779B97F4A7C15 + fnv1a64(path)}. */
    static long seedFor(long seed, String path) {
        long h = 0xcbf29ce484222325L;
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return seed * 0x9E3779B97F4A7C15L + h;
    }

    static Initializer zeros() { return constant(0); }

    static Initializer ones() { return constant(1); }

    static Initializer constant(double value) {
        return (type, rng) -> {
            double[] v = new double[type.shape().intSize()];
            java.util.Arrays.fill(v, value);
            return HostTensor.fromDoubles(type.dtype(), type.shape(), v);
        };
    }

    /** Uniform on [lo, hi). */
    static Initializer uniform(double lo, double hi) {
        if (!(lo < hi)) throw new IllegalArgumentException("uniform initializer needs lo < hi, got [" + lo + ", " + hi + ")");
        return (type, rng) -> {
            double[] v = new double[type.shape().intSize()];
            for (int i = 0; i < v.length; i++) v[i] = rng.nextDouble(lo, hi);
            return HostTensor.fromDoubles(type.dtype(), type.shape(), v);
        };
    }

    /** Normal with mean 0 and the given standard deviation. */
    static Initializer normal(double std) {
        checkStd(std);
        return (type, rng) -> {
            double[] v = new double[type.shape().intSize()];
            for (int i = 0; i < v.length; i++) v[i] = std * gaussian(rng);
            return HostTensor.fromDoubles(type.dtype(), type.shape(), v);
        };
    }

    /** Normal with mean 0 and the given standard deviation, redrawn until within two deviations (as torch's trunc_normal_(std, -2std, 2std)). */
    static Initializer truncatedNormal(double std) {
        checkStd(std);
        return (type, rng) -> {
            double[] v = new double[type.shape().intSize()];
            for (int i = 0; i < v.length; i++) {
                double z;
                do z = gaussian(rng); while (Math.abs(z) > 2);
                v[i] = std * z;
            }
            return HostTensor.fromDoubles(type.dtype(), type.shape(), v);
        };
    }

    /** One standard normal draw by the Box-Muller transform: fixed here, so values never change with the JDK. */
    private static double gaussian(SplittableRandom rng) {
        double u = 1 - rng.nextDouble(); // in (0, 1], so the log is finite
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
    }

    private static void checkStd(double std) {
        if (!(std >= 0)) throw new IllegalArgumentException("initializer standard deviation must be >= 0, got " + std);
    }
}
