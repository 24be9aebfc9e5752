package monetj.data.iter;

/** Makes batches one after another on the calling thread; {@link PrefetchingBatchIterator} runs it ahead. */
public interface BatchSource extends AutoCloseable {
    TokenBatch next();

    /** Where the source stands now: restoring this state makes the same batches come next. */
    IteratorState state();

    @Override
    void close();
}
