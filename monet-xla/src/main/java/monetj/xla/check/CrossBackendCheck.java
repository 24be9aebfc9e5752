package monetj.xla.check;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import monetj.core.backend.Backend;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;

/**
 * Runs every {@link CheckCases} program on a candidate backend and on a reference (the Java executor) with the
 * same random inputs and compares the results. Floating results agree when
 * {@code |candidate - reference| <= tol * max(1, |reference|)} element by element, with tol = TOLERANCE_F32
 * for f32 programs (a few float ulps of accumulated rounding and transcendental-function differences) and
 * TOLERANCE_BF16 for bf16 (four bf16 ulps: an accelerator may keep bf16 intermediates in f32); integer and
 * boolean results must be equal; NaN must meet NaN.
 */
public final class CrossBackendCheck {
    public static final double TOLERANCE_F64 = 1e-12;
    public static final double TOLERANCE_F32 = 1e-5;
    public static final double TOLERANCE_BF16 = 1.0 / 64;
    public static final double TOLERANCE_F16 = 1.0 / 512;

    private CrossBackendCheck() {}

    public static double tolerance(DType t) {
        return switch (t) {
            case F64 -> TOLERANCE_F64;
            case BF16 -> TOLERANCE_BF16;
            case F16 -> TOLERANCE_F16;
            default -> TOLERANCE_F32;
        };
    }

    /** Runs the cases whose names match {@code filter} (null: all), handing each result to {@code progress} as it comes. */
    public static List<CheckResult> run(Backend candidate, Backend reference, Pattern filter, Consumer<CheckResult> progress) {
        List<CheckResult> results = new ArrayList<>();
        for (CheckCase c : CheckCases.all()) {
            if (filter != null && !filter.matcher(c.name()).find()) continue;
            CheckResult r = check(c, candidate, reference);
            results.add(r);
            progress.accept(r);
        }
        return results;
    }

    static CheckResult check(CheckCase c, Backend candidate, Backend reference) {
        double tol = tolerance(c.dtype());
        List<HostTensor> args = c.arguments(1234);
        List<HostTensor> want, got;
        try {
            want = reference.run(c.graph(), args);
        } catch (RuntimeException e) {
            return new CheckResult(c.name(), false, Double.NaN, tol, "reference " + reference.platform() + " failed: " + e.getMessage());
        }
        try {
            got = candidate.run(c.graph(), args);
        } catch (RuntimeException e) {
            return new CheckResult(c.name(), false, Double.NaN, tol, candidate.platform() + " failed: " + e.getMessage());
        }
        double worst = 0;
        for (int o = 0; o < want.size(); o++) {
            HostTensor w = want.get(o), g = got.get(o);
            if (!w.type().equals(g.type())) return new CheckResult(c.name(), false, Double.NaN, tol, "output " + o + " is " + g.type() + ", expected " + w.type());
            for (long i = 0; i < w.size(); i++) {
                double a = w.getDouble(i), b = g.getDouble(i);
                double err = Double.isNaN(a) && Double.isNaN(b) ? 0 : a == b ? 0 : Math.abs(a - b) / Math.max(1, Math.abs(a));
                if (!w.dtype().isFloating() && err != 0) {
                    return new CheckResult(c.name(), false, err, 0, "output " + o + " element " + i + ": expected " + a + ", got " + b);
                }
                if (!(err <= worst)) worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
            }
        }
        boolean ok = worst <= tol;
        return new CheckResult(c.name(), ok, worst, tol, ok ? "" : "error " + worst + " above tolerance " + tol);
    }

    /** One row of the pass/fail table. */
    public static String line(CheckResult r) {
        return String.format("%-4s %-34s max err %-10s tol %-8s %s", r.passed() ? "ok" : "FAIL", r.name(),
                Double.isNaN(r.maxError()) ? "-" : String.format("%.2e", r.maxError()), String.format("%.0e", r.tolerance()), r.problem());
    }
}
