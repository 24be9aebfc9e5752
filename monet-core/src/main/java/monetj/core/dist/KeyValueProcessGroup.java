package monetj.core.dist;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * The processes of a multi-process run, coordinated through the key-value store process 0 serves. A barrier
 * is: put my arrival key, then wait for everyone's; a process that never arrives makes the others fail once the
 * timeout has passed, with a message naming the ids that are missing. Joining is a rendezvous of the same kind
 * that also checks that every process was started with the same process count. Closing: every process says it is
 * done, and process 0 keeps serving (bounded) until all have, so it never takes the store away from the others.
 */
public final class KeyValueProcessGroup implements ProcessGroup, AutoCloseable {
    private final ProcessIdentity identity;
    private final KeyValueStore store;
    private final KeyValueServer server;
    private final Duration closeTimeout;
    private boolean closed;

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
        arrive("rendezvous", "rendezvous at " + identity.coordinator(), mine.getBytes(StandardCharsets.UTF_8), timeout, (id, value) -> {
            String theirs = new String(value, StandardCharsets.UTF_8);
            if (!theirs.startsWith("count=" + identity.processCount() + " ")) {
                throw new IllegalStateException("process " + id + " was started with another process count (" + theirs + "); this one has " + mine);
            }
        });
    }

    @Override
    public void barrier(String name, Duration timeout) throws TimeoutException, InterruptedException {
        arrive("barrier/" + name, "barrier '" + name + "'", new byte[] {1}, timeout, (id, value) -> {});
    }

    private interface Check { void accept(int processId, byte[] value); }

    /** Puts this process's key under {@code prefix}, then waits for every other process's until the deadline. */
    private void arrive(String prefix, String what, byte[] value, Duration timeout, Check check) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        store.put(prefix + "/" + identity.processId(), value);
        awaitOthers(prefix, what, deadline, timeout, check);
    }

    private void awaitOthers(String prefix, String what, long deadline, Duration timeout, Check check) throws TimeoutException, InterruptedException {
        List<Integer> missing = new ArrayList<>();
        for (int q = 0; q < identity.processCount(); q++) {
            if (q == identity.processId()) continue;
            String key = prefix + "/" + q;
            Optional<byte[]> got;
            if (missing.isEmpty()) {
                try {
                    got = Optional.of(store.get(key, Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))));
                } catch (TimeoutException e) {
                    got = Optional.empty();
                }
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
            if (server != null) awaitOthers("exit", "closing", System.nanoTime() + closeTimeout.toNanos(), closeTimeout, (id, value) -> {});
        } finally {
            if (server != null) server.close();
        }
    }

    @Override
    public String toString() { return identity.toString(); }
}
