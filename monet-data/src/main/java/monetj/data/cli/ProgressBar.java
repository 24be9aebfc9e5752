package monetj.data.cli;

import java.io.PrintWriter;
import java.util.Locale;
import monetj.data.shard.ShardPreparer;

/**
 * A progress line on stderr: redrawn in place on a terminal, a plain line every 10% otherwise (logs).
 */
final class ProgressBar implements ShardPreparer.Progress {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private final boolean terminal = System.console() != null;
    private final long start = System.nanoTime();
    private long lastDraw;
    private int lastDecile = -1;

    ProgressBar(PrintWriter err) { this.err = err; }

    @Override
    public void update(double fraction, long documents, long tokens) {
        long now = System.nanoTime();
        double seconds = (now - start) / 1e9;
        String line = String.format(Locale.ROOT, "[%s] %3.0f%%  %,d documents  %,d tokens  %s tokens/s",
                bar(fraction), 100 * fraction, documents, tokens, human(tokens / Math.max(seconds, 1e-9)));
        if (terminal) {
            if (now - lastDraw < 200_000_000L && fraction < 1.0) return;
            lastDraw = now;
            err.print("\r" + line + (fraction >= 1.0 ? "\n" : ""));
        } else {
            int decile = (int) (fraction * 10);
            if (decile == lastDecile) return;
            lastDecile = decile;
            err.println(line);
        }
        err.flush();
    }

    private static String bar(double fraction) {
        int filled = (int) Math.round(Math.min(1, Math.max(0, fraction)) * WIDTH);
        return "#".repeat(filled) + ".".repeat(WIDTH - filled);
    }

    static String human(double v) {
        if (v >= 1e9) return String.format(Locale.ROOT, "%.2fG", v / 1e9);
        if (v >= 1e6) return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        if (v >= 1e3) return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        return String.format(Locale.ROOT, "%.0f", v);
    }
}
