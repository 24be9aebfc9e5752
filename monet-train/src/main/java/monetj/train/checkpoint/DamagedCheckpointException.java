package monetj.train.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint's files do not match its manifest: written incompletely or changed on disk since. */
public final class DamagedCheckpointException extends IOException {
    public DamagedCheckpointException(Path dir, String what) { super("checkpoint " + dir + " is damaged: " + what); }
}
