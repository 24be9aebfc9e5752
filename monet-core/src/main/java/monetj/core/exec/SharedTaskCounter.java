package monetj.core.exec;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Runs tasks 0..n-1 on up to {@code threads} threads that each take the next unclaimed task until none is
 * left. Unlike a fixed split, a thread that is slowed down (by another process on its core, or by waking up
 * late) simply ends up doing fewer tasks, and the calling thread keeps working rather than waiting for work it
 * cannot steal back from a pool thread.
 */
final class SharedTaskCounter {
    private SharedTaskCounter() {}

    static void run(int threads, int n, IntConsumer task) {
        if (threads <= 1 || n <= 1) {
            for (int i = 0; i < n; i++) task.accept(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Parallel.forRange(Math.min(threads, n), 1, (lo, hi) -> {
            for (int i; (i = next.getAndIncrement()) < n; ) task.accept(i);
        });
    }
}
