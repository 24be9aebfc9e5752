package monetj.train.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The checkpoints of a run: {@code RUN/checkpoints/step-N}. A checkpoint is written into a hidden temporary
 * directory, every file flushed, then renamed into place in one step, so a crash mid-save leaves only a
 * temporary directory behind (cleaned on the next save) and the previous checkpoints intact. Each checkpoint
 * carries a {@link CheckpointManifest} of its files' checksums, checked when it is read.
 */
public final class CheckpointStore {
    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d+)");
    private final Path root;
    private final int keep;

    public CheckpointStore(Path runDir, int keep) {
        this.root = runDir.resolve("checkpoints");
        this.keep = keep;
    }

    public Path root() { return root; }

    /** Writes what {@code writer} puts into a fresh directory as checkpoint {@code step}; prunes to the last {@code keep}. */
    public Path save(long step, CheckpointWriter writer) throws IOException {
        Files.createDirectories(root);
        deleteTemporaries();
        // Created like any directory (mode from the umask; createTempDirectory would make it 0700).
        Path tmp = Files.createDirectory(root.resolve(".partial-step-" + step + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
        Path target = root.resolve("step-" + step);
        try {
            writer.write(tmp);
            CheckpointManifest.write(tmp);
            pauseForCrashTests();
            try (Stream<Path> files = Files.list(tmp)) {
                for (Path f : files.toList()) fsync(f);
            }
            fsync(tmp);
            if (Files.exists(target)) deleteTree(target); // re-saving the same step (e.g. end of run right after a periodic save)
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename checkpoint atomically on this file system: " + root, e);
            }
            fsync(root);
        } finally {
            if (Files.exists(tmp)) deleteTree(tmp);
        }
        prune();
        return target;
    }

    /**
     * Crash tests kill a training process while it saves: {@code -Dmonet.test.checkpointPauseMillis=N} holds each
     * save for N ms after its files are written and before the rename, so the kill lands there.
     */
    private static void pauseForCrashTests() {
        long ms = Long.getLong("monet.test.checkpointPauseMillis", 0);
        if (ms > 0) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Writes a checkpoint's files into a directory. */
    @FunctionalInterface
    public interface CheckpointWriter {
        void write(Path dir) throws IOException;
    }

    /** Complete checkpoints, oldest first. */
    public List<Path> list() throws IOException {
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> STEP_DIR.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p))
                    .sorted(Comparator.comparingLong(CheckpointStore::stepOf)).toList();
        }
    }

    public Optional<Path> latest() throws IOException {
        List<Path> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** The step number of a {@code step-N} directory. */
    public static long stepOf(Path dir) {
        Matcher m = STEP_DIR.matcher(dir.getFileName().toString());
        if (!m.matches()) throw new IllegalArgumentException(dir + " is not a checkpoint directory (expected a name like step-100)");
        return Long.parseLong(m.group(1));
    }

    private void prune() throws IOException {
        List<Path> all = new ArrayList<>(list());
        while (all.size() > keep) deleteTree(all.remove(0));
    }

    private void deleteTemporaries() throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(".partial-")).toList()) deleteTree(p);
        }
    }

    private static void fsync(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            if (!Files.isDirectory(p)) throw e; // some file systems refuse to open directories; files must sync
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
