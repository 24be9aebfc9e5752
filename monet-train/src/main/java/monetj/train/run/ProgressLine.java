package monetj.train.run;

import java.io.PrintStream;
import monetj.train.step.StepMetrics;

/**
 * The console view of a run: on a terminal one line redrawn in place with a bar, elsewhere (logs, CI) a plain
 * line every {@code every} steps. Shows the same numbers as metrics.jsonl.
 */
final class ProgressLine {
    private final PrintStream out;
    private final long total;
    private final int every;
    private final boolean terminal = System.console() != null;
    private final long started = System.nanoTime();
    private boolean drawn;
    private boolean firstLine = true;

    ProgressLine(PrintStream out, long total, int every) {
        this.out = out;
        this.total = total;
        this.every = every;
    }

    void update(long step, StepMetrics m, double tokensPerSecond, Double valLoss) {
        double elapsed = (System.nanoTime() - started) / 1e9;
        String text = String.format("step %d/%d  loss %.4f (lm %.4f, unif %.3f, amb %.3f)  gnorm %.3f  lr %.2e  %.0f tok/s  unused %.1f%%  sel/head %.2f%s  %s",
                step, total, m.get("loss"), m.get("lm_loss"), m.get("uniformity"), m.get("ambiguity"), m.get("grad_norm"), m.get("lr"), tokensPerSecond,
                100 * m.get("unused_experts"), m.get("selected_per_head"), valLoss != null ? String.format("  val %.4f", valLoss) : "", clock(elapsed));
        if (terminal) {
            int width = 24, filled = (int) (width * step / Math.max(1, total));
            out.print("\r[" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + text + "   ");
            out.flush();
            drawn = true;
        } else if (firstLine || step % every == 0 || step == total || valLoss != null) {
            out.println(text); // the first step too: the loss the run starts from
        }
        firstLine = false;
    }

    void finish() {
        if (drawn) out.println();
        drawn = false;
    }

    private static String clock(double seconds) {
        long s = (long) seconds;
        return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
