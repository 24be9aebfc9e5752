package monetj.train.interp;

import java.io.PrintStream;
import java.util.Locale;
import monetj.core.interp.ExpertAtlasPass;

/** The progress of a pass over a corpus on stderr: redrawn in place on a terminal, a line per 10% in logs. */
public final class PassProgress implements ExpertAtlasPass.Progress {
    private final PrintStream err;
    private final boolean terminal = System.console() != null;
    private int lastDecile = -1;
    private long lastDraw;

    public PassProgress(PrintStream err) { this.err = err; }

    @Override
    public void update(long rowsDone, long rowsTotal, long tokens, double seconds) {
        double f = (double) rowsDone / rowsTotal;
        int filled = (int) Math.round(f * 30);
        String line = String.format(Locale.ROOT, "[%s%s] %3.0f%%  %,d tokens  %.0f tokens/s", "#".repeat(filled), ".".repeat(30 - filled), 100 * f, tokens,
                tokens / Math.max(seconds, 1e-9));
        long now = System.nanoTime();
        if (terminal) {
            if (now - lastDraw < 200_000_000L && rowsDone < rowsTotal) return;
            lastDraw = now;
            err.print("\r" + line + (rowsDone >= rowsTotal ? "\n" : ""));
        } else {
            int decile = (int) (f * 10);
            if (decile == lastDecile) return;
            lastDecile = decile;
            err.println(line);
        }
        err.flush();
    }
}
