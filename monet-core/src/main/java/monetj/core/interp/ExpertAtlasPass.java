package monetj.core.interp;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import java.util.stream.IntStream;
import monetj.core.model.MonetConfig;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;

/**
 * One streaming pass over token rows that fills an {@link ExpertStatistics} per routing group: rows are routed a
 * batch at a time, then each group's tokens are scored sparsely ({@link ComposedScores}) and counted, the groups
 * in parallel. Time is kept apart for the model (routing) and for the bookkeeping.
 */
public final class ExpertAtlasPass {
    private final MonetConfig config;
    private final RoutingCapture capture;
    private final List<ExpertStatistics> statistics = new ArrayList<>();
    private final List<ComposedScores> scorers = new ArrayList<>();
    private long routingNanos, bookkeepingNanos, tokens;

    public ExpertAtlasPass(MonetConfig config, RoutingCapture capture, int top, double threshold) {
        this.config = config;
        this.capture = capture;
        int e = config.moeExperts();
        for (int g = 0; g < config.routerLayers().size(); g++) {
            statistics.add(new ExpertStatistics(e * e, top, threshold));
            scorers.add(new ComposedScores(config.moeHeads(), e));
        }
    }

    /** Reports progress after each batch. */
    @FunctionalInterface
    public interface Progress {
        void update(long rowsDone, long rowsTotal, long tokens, double seconds);
    }

    /** Routes rows {@code 0 .. rowCount-1} of length {@code seqLen}, {@code batch} rows per program run. */
    public void run(LongFunction<int[]> rows, long rowCount, int seqLen, int batch, Progress progress) {
        long start = System.nanoTime();
        for (long r0 = 0; r0 < rowCount; r0 += batch) {
            int b = (int) Math.min(batch, rowCount - r0);
            int[] ids = new int[b * seqLen];
            for (int k = 0; k < b; k++) System.arraycopy(rows.apply(r0 + k), 0, ids, k * seqLen, seqLen);
            long t0 = System.nanoTime();
            List<RoutingCapture.GroupRouting> routing = capture.route(HostTensor.of(Shape.of(b, seqLen), ids));
            long t1 = System.nanoTime();
            long firstRow = r0;
            IntStream.range(0, routing.size()).parallel().forEach(g -> count(g, routing.get(g), b, seqLen, firstRow));
            long t2 = System.nanoTime();
            routingNanos += t1 - t0;
            bookkeepingNanos += t2 - t1;
            tokens += (long) b * seqLen;
            if (progress != null) progress.update(r0 + b, rowCount, tokens, (t2 - start) / 1e9);
        }
    }

    private void count(int g, RoutingCapture.GroupRouting routing, int b, int seqLen, long firstRow) {
        int stride = config.moeHeads() * config.moeExperts();
        ComposedScores scores = scorers.get(g);
        ExpertStatistics stats = statistics.get(g);
        for (int tok = 0; tok < b * seqLen; tok++) {
            scores.compute(routing.g1(), tok * stride, routing.g2(), tok * stride);
            stats.add(scores.ids(), scores.scores(), scores.size(), firstRow * seqLen + tok);
        }
    }

    public List<ExpertStatistics> statistics() { return statistics; }

    public long tokens() { return tokens; }

    public double routingSeconds() { return routingNanos / 1e9; }

    public double bookkeepingSeconds() { return bookkeepingNanos / 1e9; }
}
