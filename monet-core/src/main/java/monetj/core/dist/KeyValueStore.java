package monetj.core.dist;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * The key-value store every process of a run shares: what PJRT's multi-process client exchanges its topology and
 * collective ids through, and what barriers are built on. Keys are strings (PJRT's byte keys map one byte to one
 * char), values bytes. Implementations are thread-safe and bound every call in time.
 */
public interface KeyValueStore {
    /** Sets {@code key} (a later put replaces the value). */
    void put(String key, byte[] value) throws TimeoutException, InterruptedException;

    /** Waits until {@code key} is set and returns its value; throws after {@code timeout}, naming the key. */
    byte[] get(String key, Duration timeout) throws TimeoutException, InterruptedException;

    /** The value of {@code key} if it is set now. */
    Optional<byte[]> tryGet(String key) throws TimeoutException, InterruptedException;
}
