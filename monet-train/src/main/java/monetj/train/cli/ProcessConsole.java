package monetj.train.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import monetj.core.dist.ProcessGroup;

/** Where a process prints: process 0 to stdout; the others to stderr, each line prefixed with their id. */
final class ProcessConsole {
    private ProcessConsole() {}

    static PrintStream of(ProcessGroup processes) {
        if (processes.isCoordinator()) return System.out;
        return new PrintStream(new LinePrefix(System.err, "[process " + processes.processIndex() + "] "), true, StandardCharsets.UTF_8);
    }

    /**
     * Writes whole lines to {@code out}, each after {@code prefix}. A line ends at a newline or a carriage return
     * (a progress line redrawn in place); flushing mid-line writes nothing, since PrintStream flushes after every piece.
     */
    private static final class LinePrefix extends OutputStream {
        private final PrintStream out;
        private final byte[] prefix;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LinePrefix(PrintStream out, String prefix) {
            this.out = out;
            this.prefix = prefix.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public synchronized void write(int b) {
            line.write(b);
            if (b == '\n' || b == '\r') emit();
        }

        private void emit() {
            synchronized (out) {
                out.write(prefix, 0, prefix.length);
                out.write(line.toByteArray(), 0, line.size());
                out.flush();
            }
            line.reset();
        }
    }
}
