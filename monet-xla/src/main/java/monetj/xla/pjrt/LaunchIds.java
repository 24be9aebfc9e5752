package monetj.xla.pjrt;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The launch ids of one executable: XLA turns the launch id into the run id of the launch's collectives, so
 * every process must give the same launch of the same program the same id, and two programs should not share
 * ids. The n-th launch of a module gets seed + n, the seed being the first 4 bytes of the SHA-256 of the
 * module's text (the same on every host), skipping 0, which PJRT reads as "no launch id".
 */
final class LaunchIds {
    private LaunchIds() {}

    static int seed(String moduleText) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(moduleText.getBytes(StandardCharsets.UTF_8));
            return (h[0] & 0xFF) << 24 | (h[1] & 0xFF) << 16 | (h[2] & 0xFF) << 8 | (h[3] & 0xFF);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }

    /** The id of launch {@code n} (0-based) of the executable with {@code seed}; never 0. */
    static int of(int seed, long n) {
        int id = seed + (int) n;
        return id != 0 ? id : 1;
    }
}
