package monetj.train.checkpoint;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import monetj.core.dist.ProcessGroup;

/**
 * Simulated processes of one run, as threads: each has its own {@link ProcessGroup} view over one in-memory
 * barrier and value exchange, which, like the key-value store's, names the processes that did not arrive when it times out.
 */
final class ThreadProcesses {
    private final int count;
    private final Map<String, Set<Integer>> arrived = new HashMap<>();

    ThreadProcesses(int count) { this.count = count; }

    ProcessGroup view(int index) {
        return new ProcessGroup() {
            @Override public int processIndex() { return index; }
            @Override public int processCount() { return count; }
            @Override public void barrier(String name, Duration timeout) throws TimeoutException, InterruptedException { arrive(name, index, timeout); }
            @Override public void publish(String name, byte[] value) { ThreadProcesses.this.publish(name, index, value); }
            @Override public Map<Integer, byte[]> gather(String name, Duration timeout) throws TimeoutException, InterruptedException { return ThreadProcesses.this.gather(name, timeout); }
            @Override public String toString() { return "process " + index + " of " + count; }
        };
    }

    private final Map<String, Map<Integer, byte[]>> published = new HashMap<>();

    private synchronized void publish(String name, int index, byte[] value) {
        published.computeIfAbsent(name, k -> new java.util.TreeMap<>()).put(index, value);
        notifyAll();
    }

    private synchronized Map<Integer, byte[]> gather(String name, Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (published.getOrDefault(name, Map.of()).size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) throw new TimeoutException("gather '" + name + "': only " + published.getOrDefault(name, Map.of()).keySet() + " of " + count + " published");
            wait(Math.max(1, left / 1_000_000));
        }
        return new java.util.TreeMap<>(published.get(name));
    }

    private synchronized void arrive(String name, int index, Duration timeout) throws TimeoutException, InterruptedException {
        Set<Integer> here = arrived.computeIfAbsent(name, k -> new TreeSet<>());
        here.add(index);
        notifyAll();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (here.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                List<Integer> missing = new ArrayList<>();
                for (int p = 0; p < count; p++) if (!here.contains(p)) missing.add(p);
                throw new TimeoutException("barrier '" + name + "': process(es) " + missing + " of " + count + " did not arrive within " + timeout);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** Runs {@code body} as every process at once; returns each one's result or failure, by process index. */
    <T> List<Outcome<T>> run(IntFunction<Callable<T>> body) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int p = 0; p < count; p++) futures.add(pool.submit(body.apply(p)));
            List<Outcome<T>> out = new ArrayList<>();
            for (Future<T> f : futures) {
                try {
                    out.add(new Outcome<>(f.get(), null));
                } catch (ExecutionException e) {
                    out.add(new Outcome<>(null, e.getCause()));
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** What one simulated process returned or threw. */
    record Outcome<T>(T value, Throwable failure) {
        T get() {
            if (failure != null) throw new AssertionError("the process failed: " + failure, failure);
            return value;
        }
    }
}
