package monetj.data.iter;

import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.data.shard.TokenShardSet;

/**
 * Batches from prepared shards. The token stream is cut into windows of {@code seqLen + 1} tokens that
 * start every {@code seqLen} tokens (window j is tokens [j·seqLen, j·seqLen + seqLen]), so each token is
 * a target at most once and nothing is padded; only the last {@code (tokens - 1) mod seqLen} tokens of the
 * stream, too few for a window, are never targets. Epoch e visits all windows in the order of a permutation
 * seeded by (seed, e); epochs follow one another without a break, so no batch is cut short at an epoch's end.
 *
 * <p>Data parallelism: the global sequence of windows is dealt out in blocks of {@code batchSize}; block
 * g goes to process {@code g mod processCount}. The processes' batches are therefore disjoint and together
 * are the global batch a single process with {@code batchSize * processCount} would take; the state is how
 * many global batches have been taken, the same for every process, so a run can resume with another number
 * of processes that split the same global batch.
 */
public final class PackedBatchSource implements BatchSource {
    private final TokenShardSet shards;
    private final TokenShardSet lossMask;
    private final BatchLayout layout;
    private final long windows;
    private long batches;
    private long permutationEpoch = -1;
    private WindowPermutation permutation;

    public PackedBatchSource(TokenShardSet shards, BatchLayout layout) { this(shards, null, layout); }

    /** With a loss mask of the same layout (see {@code LossMaskShards}), read window for window with the tokens; may be null. */
    public PackedBatchSource(TokenShardSet shards, TokenShardSet lossMask, BatchLayout layout) {
        this.shards = shards;
        this.lossMask = lossMask;
        this.layout = layout;
        this.windows = (shards.tokenCount() - 1) / layout.seqLen();
        if (windows < 1) {
            throw new IllegalArgumentException(shards.directory() + ": " + shards.tokenCount() + " tokens, fewer than one window of seq_len + 1 = " + (layout.seqLen() + 1));
        }
    }

    /** Continues from a saved state. */
    public PackedBatchSource(TokenShardSet shards, BatchLayout layout, IteratorState state) { this(shards, null, layout, state); }

    /** Continues from a saved state, with a loss mask (may be null). */
    public PackedBatchSource(TokenShardSet shards, TokenShardSet lossMask, BatchLayout layout, IteratorState state) {
        this(shards, lossMask, layout);
        if (!(state instanceof IteratorState.Packed packed)) throw new IllegalArgumentException("a " + state.getClass().getSimpleName() + " state cannot resume prepared shards");
        layout.requireSameGlobalBatches(packed.layout());
        if (!packed.dataset().equals(datasetId())) {
            throw new IllegalArgumentException("iterator state belongs to dataset " + packed.dataset() + ", not " + datasetId() + " (" + shards.directory() + ")");
        }
        this.batches = packed.batches();
    }

    /** Windows per epoch. */
    public long windowCount() { return windows; }

    @Override
    public TokenBatch next() {
        int b = layout.batchSize();
        int width = layout.seqLen() + 1;
        int[] out = new int[b * width];
        int[] mask = lossMask == null ? null : new int[b * width];
        long firstWindow = (batches * layout.processCount() + layout.processIndex()) * (long) b;
        for (int i = 0; i < b; i++) {
            long w = windowAt(firstWindow + i);
            shards.read(w * layout.seqLen(), out, i * width, width);
            if (mask != null) lossMask.read(w * layout.seqLen(), mask, i * width, width);
        }
        batches++;
        return new TokenBatch(HostTensor.of(Shape.of(b, width), out), mask == null ? null : HostTensor.of(Shape.of(b, width), mask), state());
    }

    @Override
    public IteratorState state() { return new IteratorState.Packed(layout, datasetId(), batches); }

    /** The window at position {@code g} of the endless, epoch-after-epoch window sequence. */
    long windowAt(long g) {
        long epoch = g / windows;
        long i = g % windows;
        if (!layout.shuffle()) return i;
        if (epoch != permutationEpoch) {
            permutation = new WindowPermutation(windows, layout.seed(), epoch);
            permutationEpoch = epoch;
        }
        return permutation.apply(i);
    }

    /** The dataset a state belongs to: the SHA-256 of the first shard plus the token count. */
    private String datasetId() {
        return shards.index().shards().getFirst().tokensSha256() + ":" + shards.tokenCount();
    }

    @Override
    public void close() {}
}
