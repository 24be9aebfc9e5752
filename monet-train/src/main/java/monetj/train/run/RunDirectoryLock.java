package monetj.train.run;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * An OS file lock on {@code RUN/.lock}, held for the whole run, so two trainers never share a run directory
 * (they would interleave metrics and overwrite each other's checkpoints). The file names the holder (pid, host,
 * start time) for the message the second trainer gets. The OS drops the lock when the process dies, even by
 * kill -9, so a crashed run never leaves a stale lock behind.
 */
public final class RunDirectoryLock implements AutoCloseable {
    static final String FILE_NAME = ".lock";
    private final FileChannel channel;
    private final FileLock lock;

    private RunDirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock or fails at once, naming the process that holds it. */
    public static RunDirectoryLock acquire(Path runDir) throws IOException { return acquire(runDir, FILE_NAME); }

    /**
     * The lock of one process of a run. The processes of one run share its directory (on a shared filesystem), so
     * each takes its own: process 0 {@code RUN/.lock}, as a single trainer does (so one of those and a multi-process
     * run exclude each other), process ID {@code RUN/.lock-process-ID}; a second trainer as the same process fails.
     */
    public static RunDirectoryLock acquire(Path runDir, monetj.core.dist.ProcessGroup processes) throws IOException {
        return acquire(runDir, processes.isCoordinator() ? FILE_NAME : FILE_NAME + "-process-" + processes.processIndex());
    }

    private static RunDirectoryLock acquire(Path runDir, String name) throws IOException {
        Path file = runDir.resolve(name);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very process (another trainer in the same JVM)
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot lock run directory " + runDir + " (" + file + "): " + e.getMessage(), e);
        }
        if (lock == null) {
            String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
            ch.close();
            throw new IllegalStateException("run directory " + runDir + " is in use by another trainer ("
                    + (holder.isEmpty() ? "holder unknown" : holder) + "); wait for it to finish or choose another --run-dir");
        }
        String me = "pid " + ProcessHandle.current().pid() + " on host " + hostName() + ", started " + Instant.now();
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((me + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        ch.force(false);
        return new RunDirectoryLock(ch, lock);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "(unknown host)";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
