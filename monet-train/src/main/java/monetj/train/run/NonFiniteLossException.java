package monetj.train.run;

import java.nio.file.Path;

/** The loss or the gradient norm became NaN or infinite: the run stops, keeping the last good checkpoint. */
public final class NonFiniteLossException extends IllegalStateException {
    public NonFiniteLossException(long step, double loss, Path lastGood) {
        super("non-finite loss (" + loss + ") at step " + (step) + "; stopped without saving this state. "
                + (lastGood != null ? "Last good checkpoint: " + lastGood + " (resume with --resume, perhaps with a lower optimizer.lr)"
                        : "No checkpoint was written yet."));
    }
}
