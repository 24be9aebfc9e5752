package monetj.core.exec;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/** Splits index ranges over the common fork-join pool; small ranges run inline. */
public final class Parallel {
    private Parallel() {}

    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    public static int threads() { return ForkJoinPool.getCommonPoolParallelism() + 1; }

    /** Runs {@code body} over [0, n) in chunks of at least {@code grain} indices. */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= grain || threads() == 1) {
            if (n > 0) body.run(0, n);
            return;
        }
        int chunks = Math.min(threads() * 4, (n + grain - 1) / grain);
        int step = (n + chunks - 1) / chunks;
        ForkJoinPool.commonPool().invoke(new Split(0, n, step, body));
    }

    private static final class Split extends RecursiveAction {
        final int from, to, step;
        final RangeBody body;

        Split(int from, int to, int step, RangeBody body) {
            this.from = from;
            this.to = to;
            this.step = step;
            this.body = body;
        }

        @Override
        protected void compute() {
            if (to - from <= step) {
                body.run(from, to);
                return;
            }
            int mid = from + ((to - from) / step / 2) * step;
            if (mid == from) mid = from + step;
            invokeAll(new Split(from, mid, step, body), new Split(mid, to, step, body));
        }
    }
}
