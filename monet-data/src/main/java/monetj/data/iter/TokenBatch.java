package monetj.data.iter;

import monetj.core.tensor.HostTensor;

/**
 * One batch: int32 token ids of shape [batch, seqLen + 1] (inputs are [:, :-1], targets [:, 1:]), and the
 * iterator state just after it, which is what a checkpoint saved after training on it should keep.
 */
public record TokenBatch(HostTensor tokens, IteratorState after) {}
