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
 * same random inputs and compares the results, element by element, within {@link AgreementPolicy#singleOp}:
 * {@code |candidate - reference| <= tol * max(1, |reference|)} for floating results, equality for integer and
 * boolean ones; NaN must meet NaN.
 */
public final class CrossBackendCheck {
    private CrossBackendCheck() {}

    /** The tolerance of a case whose results are of type {@code t} (see {@link AgreementPolicy#singleOp}). */
    public static double tolerance(DType t) { return AgreementPolicy.singleOp(t).relative(); }

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
        Tolerance tolerance = AgreementPolicy.singleOp(c.dtype());
        double tol = tolerance.relative();
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
                if (!w.dtype().isFloating() && a != b) {
                    return new CheckResult(c.name(), false, Math.abs(a - b), 0, "output " + o + " element " + i + ": expected " + a + ", got " + b);
                }
                worst = Math.max(worst, tolerance.error(a, b) * tol); // as |a - b| / max(1, |a|)
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
