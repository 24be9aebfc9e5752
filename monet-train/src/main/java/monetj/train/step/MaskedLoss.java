package monetj.train.step;

import monetj.core.dsl.Tensor;

/**
 * The LM loss of supervised fine-tuning: cross-entropy summed over the targets the loss mask keeps (the
 * assistant's tokens), divided by {@code loss_targets}, the mean kept-target count per micro-batch of the whole
 * optimizer step. The step's loss, the mean of its micro-batches' losses, is then the mean over every kept
 * target of the step however the targets fall into micro-batches, as with one big batch.
 */
public final class MaskedLoss {
    private MaskedLoss() {}

    /**
     * @param logits [B, T, V]; @param targets [B, T] s32; @param mask [B, T] s32 (nonzero: in the loss);
     * @param targetsPerMicroBatch f32 scalar (a step without any kept target has loss 0, not 0/0)
     */
    public static Tensor crossEntropy(Tensor logits, Tensor targets, Tensor mask, Tensor targetsPerMicroBatch) {
        Tensor kept = mask.ne(mask.zerosLike());
        Tensor losses = logits.crossEntropyPerPosition(targets);
        return kept.where(losses, losses.zerosLike()).sum().div(targetsPerMicroBatch.maximum(1.0));
    }
}
