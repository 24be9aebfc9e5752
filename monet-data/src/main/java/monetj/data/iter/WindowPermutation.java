package monetj.data.iter;

/**
 * A pseudo-random permutation of [0, n) that needs no table: a 4-round Feistel network on the smallest
 * even-width bit domain holding n, with cycle walking to stay below n. Memory is O(1) whatever n is, so a
 * 100B-token corpus shuffles as cheaply as a small one, and the same (seed, epoch) always gives the same order.
 */
final class WindowPermutation {
    private static final int ROUNDS = 4;

    private final long n;
    private final int halfBits;
    private final long halfMask;
    private final long[] keys = new long[ROUNDS];

    WindowPermutation(long n, long seed, long epoch) {
        if (n < 1) throw new IllegalArgumentException("cannot permute " + n + " items");
        this.n = n;
        int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(n - 1));
        this.halfBits = (bits + 1) / 2;
        this.halfMask = (1L << halfBits) - 1;
        long k = mix(seed ^ mix(epoch + 0x9E3779B97F4A7C15L));
        for (int r = 0; r < ROUNDS; r++) {
            k = mix(k + 0x9E3779B97F4A7C15L);
            keys[r] = k;
        }
    }

    long apply(long i) {
        if (i < 0 || i >= n) throw new IndexOutOfBoundsException(i + " not in [0, " + n + ")");
        long x = i;
        do {
            x = encrypt(x);
        } while (x >= n);
        return x;
    }

    private long encrypt(long x) {
        long left = x >>> halfBits;
        long right = x & halfMask;
        for (long key : keys) {
            long next = left ^ (mix(right ^ key) & halfMask);
            left = right;
            right = next;
        }
        return left << halfBits | right;
    }

    /** SplitMix64's finalizer: a cheap, well-mixed 64-bit hash. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
