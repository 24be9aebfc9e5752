package monetj.data.iter;

import java.util.Iterator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Runs a {@link BatchSource} on a background thread, keeping up to {@code depth} batches ready, so the
 * trainer never waits on reading or tokenizing. Errors in the background thread surface at the next
 * {@link #next()} with their original message. {@link #state()} is the state after the last batch handed
 * out (not after the ones merely prefetched), so it is the right thing to checkpoint.
 */
public final class PrefetchingBatchIterator implements Iterator<TokenBatch>, AutoCloseable {
    private record Item(TokenBatch batch, Throwable error) {}

    private final BatchSource source;
    private final BlockingQueue<Item> queue;
    private final Thread worker;
    private IteratorState state;
    private volatile boolean closed;

    public PrefetchingBatchIterator(BatchSource source, int depth) {
        if (depth < 1) throw new IllegalArgumentException("prefetch depth must be positive, got " + depth);
        this.source = source;
        this.queue = new ArrayBlockingQueue<>(depth);
        this.state = source.state();
        this.worker = Thread.ofPlatform().daemon().name("monet-data-prefetch").start(this::produce);
    }

    private void produce() {
        try {
            while (!closed) queue.put(new Item(source.next(), null));
        } catch (InterruptedException e) {
            // close() interrupts a worker waiting on a full queue.
        } catch (RuntimeException | Error e) { // an Error too (e.g. out of memory on a huge row): the trainer must not wait forever
            try {
                queue.put(new Item(null, e));
            } catch (InterruptedException ignored) {
                // Closing anyway; nobody is left to see the error.
            }
        }
    }

    /** Batches never run out: epochs follow one another. */
    @Override
    public boolean hasNext() { return !closed; }

    @Override
    public TokenBatch next() {
        if (closed) throw new IllegalStateException("batch iterator is closed");
        Item item;
        try {
            item = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a batch", e);
        }
        if (item.error() != null) {
            close();
            if (item.error() instanceof RuntimeException re) throw re;
            throw (Error) item.error();
        }
        state = item.batch().after();
        return item.batch();
    }

    /** The state to save: restoring it resumes right after the last batch returned by {@link #next()}. */
    public IteratorState state() { return state; }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        worker.interrupt();
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        source.close();
    }
}
