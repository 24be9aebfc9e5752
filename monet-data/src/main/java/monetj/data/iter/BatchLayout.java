package monetj.data.iter;

/**
 * The shape and order of the batches one process takes: {@code batchSize} windows of {@code seqLen + 1}
 * tokens, shuffled from {@code seed}, this being process {@code processIndex} of {@code processCount}.
 */
public record BatchLayout(int batchSize, int seqLen, long seed, boolean shuffle, int processIndex, int processCount) {
    public BatchLayout {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        if (seqLen < 1) throw new IllegalArgumentException("sequence length must be positive, got " + seqLen);
        if (processCount < 1 || processIndex < 0 || processIndex >= processCount) {
            throw new IllegalArgumentException("process index " + processIndex + " is not in [0, " + processCount + ")");
        }
    }

    /** The batch all processes take together: each process's {@code batchSize} times the process count. */
    public int globalBatchSize() { return batchSize * processCount; }

    /** Refuses a saved state taken under other settings. */
    void requireSame(BatchLayout saved) {
        if (!equals(saved)) throw new IllegalArgumentException("iterator state was saved with " + saved + ", this iterator has " + this);
    }

    /**
     * Refuses a saved state of another global batch sequence: another global batch size, sequence length, seed or
     * shuffle. How the global batch was split among processes may differ.
     */
    void requireSameGlobalBatches(BatchLayout saved) {
        if (globalBatchSize() != saved.globalBatchSize() || seqLen != saved.seqLen || seed != saved.seed || shuffle != saved.shuffle) {
            throw new IllegalArgumentException("iterator state was saved with " + saved + " (global batch " + saved.globalBatchSize() + "), this iterator has "
                    + this + " (global batch " + globalBatchSize() + ")");
        }
    }
}
