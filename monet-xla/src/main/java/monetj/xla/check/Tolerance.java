package monetj.xla.check;

/**
 * How closely a candidate backend's value must follow the reference's: {@code |candidate - reference| <=
 * max(absolute, relative * |reference|)}, element by element; NaN must meet NaN.
 */
public record Tolerance(double relative, double absolute) {
    /** Exact agreement: integers, booleans, discrete decisions. */
    public static final Tolerance EXACT = new Tolerance(0, 0);

    public boolean accepts(double reference, double candidate) { return error(reference, candidate) <= 1; }

    /** The difference in units of this tolerance: at most 1 when accepted (0 for equal values, infinite for a NaN on one side). */
    public double error(double reference, double candidate) {
        if (Double.isNaN(reference) || Double.isNaN(candidate)) return Double.isNaN(reference) && Double.isNaN(candidate) ? 0 : Double.POSITIVE_INFINITY;
        if (reference == candidate) return 0;
        double allowed = Math.max(absolute, relative * Math.abs(reference));
        return allowed == 0 ? Double.POSITIVE_INFINITY : Math.abs(candidate - reference) / allowed;
    }

    @Override
    public String toString() { return String.format("rel %.0e abs %.0e", relative, absolute); }
}
