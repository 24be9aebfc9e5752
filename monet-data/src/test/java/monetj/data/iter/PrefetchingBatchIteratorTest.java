package monetj.data.iter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;

class PrefetchingBatchIteratorTest {
    private static final BatchLayout LAYOUT = new BatchLayout(1, 1, 0, false, 0, 1);

    /** Counts its batches and fails at the {@code failAt}-th. */
    private static final class CountingSource implements BatchSource {
        final AtomicInteger made = new AtomicInteger();
        final int failAt;
        final RuntimeException failure = new IllegalArgumentException("shard-00003.tokens: corrupt");

        CountingSource(int failAt) { this.failAt = failAt; }

        @Override
        public TokenBatch next() {
            int n = made.incrementAndGet();
            if (n == failAt) throw failure;
            return new TokenBatch(HostTensor.of(Shape.of(1, 2), new int[] {n, n}), state(n));
        }

        static IteratorState state(long n) { return new IteratorState.Packed(LAYOUT, "d", n); }

        @Override
        public IteratorState state() { return state(made.get()); }

        @Override
        public void close() {}
    }

    @Test
    void deliversInOrderAndReportsTheStateAfterTheLastDeliveredBatch() {
        CountingSource src = new CountingSource(-1);
        try (PrefetchingBatchIterator it = new PrefetchingBatchIterator(src, 3)) {
            assertEquals(CountingSource.state(0), it.state());
            for (int i = 1; i <= 5; i++) assertEquals(i, it.next().tokens().ints()[0]);
            assertEquals(CountingSource.state(5), it.state());
        }
    }

    @Test
    void anErrorInTheBackgroundThreadReachesTheCallerUnchanged() {
        CountingSource src = new CountingSource(3);
        try (PrefetchingBatchIterator it = new PrefetchingBatchIterator(src, 2)) {
            it.next();
            it.next();
            assertSame(src.failure, assertThrows(IllegalArgumentException.class, it::next));
        }
    }
}
