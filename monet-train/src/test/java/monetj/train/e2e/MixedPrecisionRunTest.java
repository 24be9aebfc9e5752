package monetj.train.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bf16-mixed run on the Java executor follows the f32 run: over 20 steps of the tiny run, the losses differ
 * by at most {@link #MEAN_TOLERANCE} on average and {@link #STEP_TOLERANCE} at any step (bf16 matmul inputs round
 * to 8 significant bits; the masters, moments, norms, softmaxes and losses stay f32). Most steps agree to 0.01;
 * a step whose routing threshold falls differently for a few tokens can move by about 0.2 on this tiny model.
 */
class MixedPrecisionRunTest {
    static final double MEAN_TOLERANCE = 0.03, STEP_TOLERANCE = 0.25;

    @TempDir
    Path tmp;

    @Test
    void bf16MixedFollowsTheF32Losses() throws Exception {
        TinyRun t = new TinyRun(tmp);
        double[] f32 = run(t, "f32"), bf16 = run(t, "bf16-mixed");
        double worst = 0, sum = 0;
        for (int i = 0; i < f32.length; i++) {
            worst = Math.max(worst, Math.abs(f32[i] - bf16[i]));
            sum += Math.abs(f32[i] - bf16[i]);
        }
        double mean = sum / f32.length;
        String curves = "\nf32  " + java.util.Arrays.toString(f32) + "\nbf16 " + java.util.Arrays.toString(bf16);
        System.err.printf("bf16-mixed vs f32 over %d steps: loss difference mean %.4f, largest %.4f%n", f32.length, mean, worst);
        assertTrue(mean <= MEAN_TOLERANCE, "mean loss difference " + mean + curves);
        assertTrue(worst <= STEP_TOLERANCE, "largest loss difference " + worst + curves);
        assertTrue(bf16[19] < bf16[0] - 1.0, "the bf16-mixed run learns: " + bf16[0] + " -> " + bf16[19]);
    }

    private double[] run(TinyRun t, String precision) throws Exception {
        Path dir = tmp.resolve(precision);
        var r = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", dir.toString(), "--set", "train.precision=" + precision,
                "--set", "train.steps=20", "--set", "train.eval_every=0", "--set", "checkpoint.every=20");
        assertEquals(0, r.exitCode(), r.stderr());
        List<String> losses = TinyRun.losses(dir);
        assertEquals(20, losses.size());
        return losses.stream().mapToDouble(s -> Double.parseDouble(s.split(":")[1])).toArray();
    }
}
