package monetj.xla.check;

import monetj.core.tensor.HostTensor;

/**
 * How one output of a program compared: the largest error in units of its tolerance (at most 1 when it agrees)
 * and the element where it occurred.
 */
public record OutputAgreement(String output, Tolerance tolerance, double error, long element, double reference, double candidate, String problem) {
    public boolean agrees() { return problem.isEmpty() && error <= 1; }

    /**
     * The output compared in norm: error = {@code ||candidate - reference|| / ||reference||} over {@code allowed}
     * (reported at the element that differs most).
     */
    public static OutputAgreement inNorm(String output, HostTensor reference, HostTensor candidate, double allowed) {
        Tolerance asNorm = new Tolerance(allowed, 0);
        if (!reference.type().equals(candidate.type())) return of(output, reference, candidate, asNorm);
        if (!reference.dtype().isFloating()) return of(output, reference, candidate, Tolerance.EXACT);
        long at = -1;
        double most = -1;
        for (long i = 0; i < reference.size(); i++) {
            double d = Math.abs(candidate.getDouble(i) - reference.getDouble(i));
            if (d > most || Double.isNaN(d)) {
                most = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                at = i;
            }
        }
        double error = AgreementPolicy.normRelative(candidate, reference) / allowed;
        return at < 0 ? new OutputAgreement(output, asNorm, 0, -1, Double.NaN, Double.NaN, "")
                : new OutputAgreement(output, asNorm, error, at, reference.getDouble(at), candidate.getDouble(at), "");
    }

    public static OutputAgreement of(String output, HostTensor reference, HostTensor candidate, Tolerance tolerance) {
        if (!reference.type().equals(candidate.type())) {
            return new OutputAgreement(output, tolerance, Double.POSITIVE_INFINITY, -1, Double.NaN, Double.NaN,
                    "is " + candidate.type() + ", expected " + reference.type());
        }
        double worst = 0;
        long at = -1;
        for (long i = 0; i < reference.size(); i++) {
            double e = tolerance.error(reference.getDouble(i), candidate.getDouble(i));
            if (e > worst || at < 0) {
                worst = e;
                at = i;
            }
        }
        return at < 0 ? new OutputAgreement(output, tolerance, 0, -1, Double.NaN, Double.NaN, "")
                : new OutputAgreement(output, tolerance, worst, at, reference.getDouble(at), candidate.getDouble(at), "");
    }

    @Override
    public String toString() {
        if (!problem.isEmpty()) return output + " " + problem;
        return String.format("%s: %.2f x tolerance (%s) at element %d: reference %.6g, candidate %.6g", output, error, tolerance, element, reference, candidate);
    }
}
