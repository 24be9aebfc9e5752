package monetj.data.iter;

import monetj.core.tensor.HostTensor;

/**
 * One batch: int32 token ids of shape [batch, seqLen + 1] (inputs are [:, :-1], targets [:, 1:]), the int32 loss
 * mask of the same shape when the data carries one (1: the token is a target the loss counts; null: every token
 * is), and the iterator state just after it, which is what a checkpoint saved after training on it should keep.
 */
public record TokenBatch(HostTensor tokens, HostTensor lossMask, IteratorState after) {
    /** A batch whose every target counts. */
    public TokenBatch(HostTensor tokens, IteratorState after) { this(tokens, null, after); }
}
