package monetj.core.dist;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;

/**
 * The processes of a multi-process run, coordinated through the key-value store process 0 serves. A barrier
 * is: put my arrival key, then wait for everyone's; a process that never arrives makes the others fail once the
 * timeout has passed, with a message naming the ids that are missing. Joining is a rendezvous of the same kind
 * that also checks that every process was started with the same process count. A process that fails sets the key
 * {@code failed} (its id and why; the first one stays); every wait polls it between slices of {@link #FAILURE_POLL}, so
 * the others stop within about that long, naming it. Closing: every process says it is done, and process 0 keeps
 * serving (bounded) until all have, so it never takes the store away from the others.
 */
public final class KeyValueProcessGroup implements ProcessGroup, AutoCloseable {
    /** How often a wait looks whether another process has failed. */
    static final Duration FAILURE_POLL = Duration.ofMillis(500);
    private static final String FAILED = "failed";
    /** Set after {@code failed} or a stop ({@link RunStop}): the one key a per-step check reads while nothing happens. */
    static final String ATTENTION = "attention";

    private final ProcessIdentity identity;
    private final KeyValueStore store;
    private final KeyValueServer server;
    private final Duration closeTimeout;
    private boolean closed;
    private volatile WaitTask waitTask;

    KeyValueProcessGroup(ProcessIdentity identity, KeyValueStore store, KeyValueServer server, Duration closeTimeout) {
        this.identity = identity;
        this.store = store;
        this.server = server;
        this.closeTimeout = closeTimeout;
    }

    /**
     * Process 0 starts serving the store on the coordinator's port; then every process registers and waits until all
     * {@code processCount} have, up to {@code timeout}.
     */
    public static KeyValueProcessGroup join(ProcessIdentity identity, Duration timeout) throws TimeoutException, InterruptedException {
        if (identity.isSingle()) throw new IllegalArgumentException("a single process needs no coordinator (" + identity + ")");
        KeyValueServer server = identity.processId() == 0 ? KeyValueServer.start(identity.coordinatorHost(), identity.coordinatorPort()) : null;
        KeyValueProcessGroup group = new KeyValueProcessGroup(identity,
                new KeyValueClient(identity.coordinatorHost(), identity.coordinatorPort(), Duration.ofSeconds(30)), server, timeout);
        try {
            group.rendezvous(timeout);
        } catch (TimeoutException | InterruptedException | RuntimeException e) {
            if (server != null) server.close();
            throw e;
        }
        return group;
    }

    @Override public int processIndex() { return identity.processId(); }

    @Override public int processCount() { return identity.processCount(); }

    @Override public Optional<KeyValueStore> keyValueStore() { return Optional.of(store); }

    public ProcessIdentity identity() { return identity; }

    private void rendezvous(Duration timeout) throws TimeoutException, InterruptedException {
        String mine = "count=" + identity.processCount() + " pid=" + ProcessHandle.current().pid();
        // Not failing fast: until every process has reached the store, an unreachable one is the missing coordinator.
        arrive("rendezvous", "rendezvous at " + identity.coordinator(), mine.getBytes(StandardCharsets.UTF_8), timeout, false, (id, value) -> {
            String theirs = new String(value, StandardCharsets.UTF_8);
            if (!theirs.startsWith("count=" + identity.processCount() + " ")) {
                throw new IllegalStateException("process " + id + " was started with another process count (" + theirs + "); this one has " + mine);
            }
        });
    }

    @Override
    public void barrier(String name, Duration timeout) throws TimeoutException, InterruptedException {
        arrive("barrier/" + name, "barrier '" + name + "'", new byte[] {1}, timeout, true, (id, value) -> {});
    }

    @Override
    public void fail(String reason) {
        try {
            if (store.tryGet(FAILED).isPresent()) return; // the first failure is the one the others report
            store.put(FAILED, (identity.processId() + "\n" + reason).getBytes(StandardCharsets.UTF_8));
            store.put(ATTENTION, new byte[] {1});
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException | RuntimeException e) {
            // The store is gone too: the others' next request fails naming the coordinator.
        }
    }

    @Override
    public void checkFailures() throws TimeoutException, InterruptedException {
        Optional<byte[]> failed = store.tryGet(FAILED);
        if (failed.isEmpty()) return;
        String value = new String(failed.get(), StandardCharsets.UTF_8);
        int newline = value.indexOf('\n');
        throw new ProcessFailedException(Integer.parseInt(value.substring(0, newline)), identity.processCount(), value.substring(newline + 1), identity.processId());
    }

    @Override
    public void whileWaiting(WaitTask task) { waitTask = task; }

    @Override
    public void publish(String name, byte[] value) throws TimeoutException, InterruptedException { store.put("gather/" + name + "/" + identity.processId(), value); }

    @Override
    public Map<Integer, byte[]> gather(String name, Duration timeout) throws TimeoutException, InterruptedException {
        Map<Integer, byte[]> out = new TreeMap<>();
        Optional<byte[]> mine = store.tryGet("gather/" + name + "/" + identity.processId());
        if (mine.isEmpty()) throw new IllegalStateException("gather '" + name + "': this process (" + identity.processId() + ") published nothing under it");
        out.put(identity.processId(), mine.get());
        awaitOthers("gather/" + name, "gather '" + name + "'", System.nanoTime() + timeout.toNanos(), timeout, true, out::put);
        return out;
    }

    /**
     * Every other process puts its count under {@code sum/NAME/ID}, process 0 adds them up in process order and puts
     * the total under {@code sum/NAME}, which the others read: about 3 requests per process (a gather would make
     * each process read every other's value). The store keeps each name's keys, a few dozen bytes per process.
     */
    @Override
    public long sum(String name, long mine, Duration timeout) throws TimeoutException, InterruptedException {
        String prefix = "sum/" + name, what = "sum '" + name + "'";
        long deadline = System.nanoTime() + timeout.toNanos();
        if (identity.processId() != 0) {
            store.put(prefix + "/" + identity.processId(), Long.toString(mine).getBytes(StandardCharsets.UTF_8));
            Optional<byte[]> total = awaitKey(prefix, deadline, true);
            if (total.isEmpty()) throw new TimeoutException(what + ": process 0 of " + identity.processCount() + " gave no total within " + timeout.toMillis() + " ms (this is process " + identity.processId() + ")");
            return count(total.get(), prefix);
        }
        long[] total = {mine};
        awaitOthers(prefix, what, deadline, timeout, true, (id, value) -> total[0] += count(value, prefix + "/" + id));
        store.put(prefix, Long.toString(total[0]).getBytes(StandardCharsets.UTF_8));
        return total[0];
    }

    private static long count(byte[] value, String key) {
        String s = new String(value, StandardCharsets.UTF_8);
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("key-value store: " + key + " holds '" + s + "', not a count", e);
        }
    }

    private interface Check { void accept(int processId, byte[] value); }

    /** Puts this process's key under {@code prefix}, then waits for every other process's until the deadline. */
    private void arrive(String prefix, String what, byte[] value, Duration timeout, boolean failFast, Check check) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        store.put(prefix + "/" + identity.processId(), value);
        awaitOthers(prefix, what, deadline, timeout, failFast, check);
    }

    /** Waits for every other process's key under {@code prefix}; with {@code failFast}, ends at once when one has failed. */
    private void awaitOthers(String prefix, String what, long deadline, Duration timeout, boolean failFast, Check check) throws TimeoutException, InterruptedException {
        List<Integer> missing = new ArrayList<>();
        for (int q = 0; q < identity.processCount(); q++) {
            if (q == identity.processId()) continue;
            String key = prefix + "/" + q;
            Optional<byte[]> got;
            if (missing.isEmpty()) {
                got = awaitKey(key, deadline, failFast);
            } else {
                got = store.tryGet(key); // the deadline has passed: only see who else is missing
            }
            if (got.isEmpty()) missing.add(q);
            else check.accept(q, got.get());
        }
        if (!missing.isEmpty()) {
            throw new TimeoutException(what + ": process" + (missing.size() == 1 ? " " : "es ")
                    + join(missing) + " of " + identity.processCount() + " did not arrive within " + timeout.toMillis() + " ms (this is process " + identity.processId() + ")");
        }
    }

    /** The key's value once set before the deadline, in slices between which a failed process is looked for. */
    private Optional<byte[]> awaitKey(String key, long deadline, boolean failFast) throws TimeoutException, InterruptedException {
        while (true) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                return Optional.of(store.get(key, Duration.ofNanos(failFast ? Math.min(left, FAILURE_POLL.toNanos()) : left)));
            } catch (TimeoutException e) {
                if (failFast) {
                    checkFailures();
                    WaitTask task = waitTask;
                    if (task != null) task.run();
                }
                if (System.nanoTime() >= deadline) return Optional.empty();
            }
        }
    }

    private static String join(List<Integer> ids) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ids.size(); i++) sb.append(i == 0 ? "" : ", ").append(ids.get(i));
        return sb.toString();
    }

    /**
     * Says this process is done; process 0 then waits (up to the join timeout) until every process has said so
     * before it stops serving. The others need nothing more from the store, so they do not wait.
     */
    @Override
    public void close() throws TimeoutException, InterruptedException {
        if (closed) return;
        closed = true;
        try {
            store.put("exit/" + identity.processId(), new byte[] {1});
            // Not failing fast: after a failure the others still exit, and they must be able to read why first.
            if (server != null) awaitOthers("exit", "closing", System.nanoTime() + closeTimeout.toNanos(), closeTimeout, false, (id, value) -> {});
        } finally {
            if (server != null) server.close();
        }
    }

    @Override
    public String toString() { return identity.toString(); }
}
