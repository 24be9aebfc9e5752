package monetj.data.iter;

/**
 * Checks every batch's ids against the model's vocabulary before it reaches the model: the embedding lookup
 * would clamp an out-of-range id to the last row and train on, silently wrong (a shard edited or damaged after
 * it was prepared). One pass over the batch's ints; nothing next to a train step.
 */
final class VocabularyGuard implements BatchSource {
    private final BatchSource source;
    private final int vocabSize;
    private final String where;

    VocabularyGuard(BatchSource source, int vocabSize, String where) {
        this.source = source;
        this.vocabSize = vocabSize;
        this.where = where;
    }

    @Override
    public TokenBatch next() {
        TokenBatch b = source.next();
        int[] ids = b.tokens().ints();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                int width = b.tokens().shape().dims()[1];
                throw new IllegalArgumentException(where + ": token id " + ids[i] + " (batch row " + i / width + ", position " + i % width
                        + ") is outside the model's vocab_size of " + vocabSize + "; the shards are damaged or were made with another tokenizer"
                        + " (monet data inspect " + where + " checks them)");
            }
        }
        return b;
    }

    @Override
    public IteratorState state() { return source.state(); }

    @Override
    public void close() { source.close(); }
}
