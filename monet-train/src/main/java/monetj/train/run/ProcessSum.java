package monetj.train.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import monetj.core.dist.KeyValueStore;
import monetj.core.dist.ProcessGroup;

/**
 * A count summed over the processes of a run through their key-value store: every other process puts its count
 * under {@code sum/NAME/ID}, process 0 adds them up in process order and puts the total under {@code sum/NAME},
 * which the others read. About 3 requests per process and name (not one per pair of processes); the store keeps
 * each name's keys, a few dozen bytes per process, so a name is used once per step at most.
 */
final class ProcessSum {
    private ProcessSum() {}

    /** The sum of every process's {@code mine} under {@code name} (single-use within a run); the same value in every process. */
    static long of(ProcessGroup processes, String name, long mine, Duration timeout) throws IOException {
        if (processes.processCount() == 1) return mine;
        KeyValueStore store = processes.keyValueStore().orElseThrow(() -> new IllegalStateException(processes + " share no key-value store"));
        String prefix = "sum/" + name;
        try {
            if (!processes.isCoordinator()) {
                store.put(prefix + "/" + processes.processIndex(), encode(mine));
                return decode(store.get(prefix, timeout), prefix);
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            long total = mine;
            List<Integer> missing = new ArrayList<>();
            for (int q = 1; q < processes.processCount(); q++) {
                String key = prefix + "/" + q;
                Optional<byte[]> got = missing.isEmpty() ? await(store, key, deadline) : store.tryGet(key);
                if (got.isEmpty()) missing.add(q);
                else total += decode(got.get(), key);
            }
            if (!missing.isEmpty()) {
                throw new IOException(name + ": process 0 of " + processes.processCount() + " got no count from process" + (missing.size() == 1 ? " " : "es ")
                        + missing.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElseThrow() + " within " + timeout.toMillis() + " ms");
            }
            store.put(prefix, encode(total));
            return total;
        } catch (TimeoutException e) {
            throw new IOException(name + ": " + processes + " timed out waiting for the sum over the processes (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(name + ": interrupted while waiting for the other processes", e);
        }
    }

    private static Optional<byte[]> await(KeyValueStore store, String key, long deadline) throws TimeoutException, InterruptedException {
        try {
            return Optional.of(store.get(key, Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))));
        } catch (TimeoutException e) {
            return Optional.empty();
        }
    }

    private static byte[] encode(long v) { return Long.toString(v).getBytes(StandardCharsets.UTF_8); }

    private static long decode(byte[] value, String key) throws IOException {
        String s = new String(value, StandardCharsets.UTF_8);
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IOException("key-value store: " + key + " holds '" + s + "', not a count", e);
        }
    }
}
