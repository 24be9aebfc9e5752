package monetj.train.checkpoint;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import monetj.core.dist.ProcessGroup;

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
        return save(step, ProcessGroup.single(), Duration.ZERO, dir -> List.of(), writer);
    }

    /**
     * Writes checkpoint {@code step} together with the other processes of {@code processes}, into one temporary
     * directory that every host sees (a shared file system such as NFS or a GCS FUSE mount): process 0 creates
     * {@code .partial-step-N}; after barrier {@code checkpoint-step-N-open} every process writes its files there
     * ({@code each}), flushes them and records their checksums; after barrier {@code checkpoint-step-N-shards}
     * process 0 adds what is written once ({@code coordinator}: the index, state, config), the manifest of all files,
     * renames the directory into place and prunes; barrier {@code checkpoint-step-N-done} ends the save everywhere.
     * A process that does not reach a barrier within {@code timeout} makes the others fail naming it, and no
     * checkpoint appears: until the rename the previous checkpoints are all there is.
     */
    public Path save(long step, ProcessGroup processes, Duration timeout, ProcessFilesWriter each, CheckpointWriter coordinator) throws IOException {
        String barrier = "checkpoint-step-" + step;
        Path tmp = root.resolve(".partial-step-" + step);
        Path target = root.resolve("step-" + step);
        boolean isCoordinator = processes.isCoordinator();
        try {
            if (isCoordinator) {
                Files.createDirectories(root);
                deleteTemporaries();
                Files.createDirectory(tmp); // like any directory (mode from the umask; createTempDirectory would make it 0700)
            }
            await(processes, barrier + "-open", timeout);
            List<Path> mine = each.write(tmp);
            for (Path f : mine) fsync(f);
            CheckpointManifest.writePart(tmp, processes.processIndex(), mine);
            fsync(tmp);
            await(processes, barrier + "-shards", timeout);
            if (isCoordinator) {
                coordinator.write(tmp);
                CheckpointManifest.writeMerged(tmp, processes.processCount());
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
            }
        } catch (IOException | RuntimeException e) {
            if (isCoordinator) removeAfterFailure(tmp, e);
            throw e;
        }
        if (isCoordinator) {
            fsync(root);
            prune();
        }
        await(processes, barrier + "-done", timeout);
        return target;
    }

    /** Writes one process's files of a checkpoint into the directory all processes share; returns the files written. */
    @FunctionalInterface
    public interface ProcessFilesWriter {
        List<Path> write(Path dir) throws IOException;
    }

    /** Removes a failed save's directory; another process may still be writing into it, so a failure here only adds to {@code cause}. */
    private static void removeAfterFailure(Path tmp, Exception cause) {
        try {
            if (Files.exists(tmp)) deleteTree(tmp);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    private static void await(ProcessGroup processes, String name, Duration timeout) throws IOException {
        if (processes.processCount() == 1) return;
        try {
            processes.barrier(name, timeout);
        } catch (TimeoutException e) {
            throw new IOException("checkpoint not written: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("checkpoint not written: interrupted at barrier '" + name + "'");
        }
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
