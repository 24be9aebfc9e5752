package monetj.core.nn;

import java.nio.charset.StandardCharsets;
import monetj.core.dsl.Tensor;
import monetj.core.random.InverseErf;
import monetj.core.random.RandomBits;
import monetj.core.random.UnitFloats;
import monetj.core.tensor.TensorType;

/**
 * How a parameter's initial values are made: a small description (kind and arguments) traced into the init
 * program, so the values are computed where the parameter lives (each device its own shard) and are the same on
 * every backend. Host-side initialisation runs the same program on the Java executor ({@link Module#init}).
 *
 * <p>Random kinds draw from 32 random bits per element ({@link RandomBits}: Threefry-2x32 keyed by
 * {@link #seedFor}(seed, path), counter = the element's index), so a parameter's values depend only on (seed, path)
 * and each element only on its own index. Values are computed in f32 and converted to the parameter's dtype.
 */
public sealed interface Initializer {
    /** The values of a parameter of {@code type}, traced from its key words {@code (keyHi, keyLo)} (s32 scalars). */
    Tensor trace(Tensor keyHi, Tensor keyLo, TensorType type);

    /** Every element {@code value}. */
    record Constant(double value) implements Initializer {
        @Override
        public Tensor trace(Tensor keyHi, Tensor keyLo, TensorType type) { return Tensor.full(keyHi.graph(), type.dtype(), type.shape(), value); }
    }

    /** Uniform on [lo, hi): {@code lo + (hi - lo) u} for u uniform on [0, 1) in steps of 2^-23, kept below hi after rounding. */
    record Uniform(double lo, double hi) implements Initializer {
        public Uniform {
            if (!(lo < hi)) throw new IllegalArgumentException("uniform initializer needs lo < hi, got [" + lo + ", " + hi + ")");
        }

        @Override
        public Tensor trace(Tensor keyHi, Tensor keyLo, TensorType type) {
            Tensor u = UnitFloats.uniform(RandomBits.of(keyHi, keyLo, type.shape()));
            return u.mul(hi - lo).add(lo).minimum(Math.nextDown((float) hi)).convert(type.dtype());
        }
    }

    /** Normal with mean 0 and standard deviation {@code std}, by the inverse CDF: {@code std sqrt(2) erfinv(s)}, s uniform on (-1, 1). */
    record Normal(double std) implements Initializer {
        public Normal { checkStd(std); }

        @Override
        public Tensor trace(Tensor keyHi, Tensor keyLo, TensorType type) {
            Tensor s = UnitFloats.symmetric(RandomBits.of(keyHi, keyLo, type.shape()));
            return InverseErf.of(s).mul(std * Math.sqrt(2)).convert(type.dtype());
        }
    }

    /**
     * Normal with mean 0 and standard deviation {@code std} truncated to two deviations (torch's
     * {@code trunc_normal_(std, -2 std, 2 std)}). Redrawing out-of-range values has no fixed cost in a graph, so this is
     * the inverse CDF of the truncated distribution: s uniform on (-1, 1) is scaled by P(|Z| < 2) = erf(sqrt 2) before
     * the inverse error function, and the result clamped to the bounds against rounding.
     */
    record TruncatedNormal(double std) implements Initializer {
        /** erf(sqrt(2)): the probability of a standard normal within two deviations. */
        static final double WITHIN_TWO = 0.9544997361036416;

        public TruncatedNormal { checkStd(std); }

        @Override
        public Tensor trace(Tensor keyHi, Tensor keyLo, TensorType type) {
            Tensor s = UnitFloats.symmetric(RandomBits.of(keyHi, keyLo, type.shape()));
            return InverseErf.of(s.mul(WITHIN_TWO)).mul(Math.sqrt(2)).clamp(-2, 2).mul(std).convert(type.dtype());
        }
    }

    /** The per-parameter seed: {@code seed * 0x9E3779B97F4A7C15 + pathHash(path)} (64-bit wrapping), the Threefry key. */
    static long seedFor(long seed, String path) { return seed * SEED_MULTIPLIER + pathHash(path); }

    /** The golden-ratio multiplier that spreads consecutive run seeds over the key space. */
    long SEED_MULTIPLIER = 0x9E3779B97F4A7C15L;

    /** 64-bit FNV-1a of the path's UTF-8 bytes. */
    static long pathHash(String path) {
        long h = 0xcbf29ce484222325L;
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    static Initializer zeros() { return constant(0); }

    static Initializer ones() { return constant(1); }

    static Initializer constant(double value) { return new Constant(value); }

    /** Uniform on [lo, hi). */
    static Initializer uniform(double lo, double hi) { return new Uniform(lo, hi); }

    /** Normal with mean 0 and the given standard deviation. */
    static Initializer normal(double std) { return new Normal(std); }

    /** Normal with mean 0 and the given standard deviation, within two deviations (as torch's trunc_normal_(std, -2std, 2std)). */
    static Initializer truncatedNormal(double std) { return new TruncatedNormal(std); }

    private static void checkStd(double std) {
        if (!(std >= 0)) throw new IllegalArgumentException("initializer standard deviation must be >= 0, got " + std);
    }
}
