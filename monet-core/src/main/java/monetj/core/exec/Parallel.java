package monetj.core.exec;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Splits index ranges over the calling thread and the common fork-join pool; small ranges run inline. Chunks are
 * taken from a shared counter, so the caller keeps working instead of waiting for a chunk it cannot steal back,
 * and a thread slowed by other work on its core simply takes fewer chunks.
 */
public final class Parallel {
    private Parallel() {}

    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /**
     * The calling thread plus the common pool's workers. A pool configured with parallelism 0 has no workers at all
     * yet reports 1: a chunk handed to it would never run, so then the calling thread works alone.
     */
    private static final int THREADS = Integer.getInteger("java.util.concurrent.ForkJoinPool.common.parallelism", -1) == 0
            ? 1 : ForkJoinPool.getCommonPoolParallelism() + 1;

    /** The calling thread plus the common pool's workers. */
    public static int threads() { return THREADS; }

    /** Runs {@code body} over [0, n) in chunks of at least {@code grain} indices. */
    public static void forRange(int n, int grain, RangeBody body) {
        int workers = threads();
        if (n <= grain || workers == 1) {
            if (n > 0) body.run(0, n);
            return;
        }
        int chunks = (int) Math.min(workers * 4L, ((long) n + grain - 1) / grain);
        int step = (int) (((long) n + chunks - 1) / chunks);
        AtomicInteger next = new AtomicInteger();
        Runnable drain = () -> {
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                int lo = (int) Math.min(n, (long) c * step), hi = (int) Math.min(n, (long) lo + step);
                if (lo < hi) body.run(lo, hi);
            }
        };
        ForkJoinTask<?>[] helpers = new ForkJoinTask<?>[Math.min(workers - 1, chunks - 1)];
        for (int i = 0; i < helpers.length; i++) helpers[i] = ForkJoinPool.commonPool().submit(drain);
        drain.run();
        for (ForkJoinTask<?> h : helpers) h.join();
    }
}
