package monetj.xla.check;

/** The outcome of one case: the largest scaled error seen and the tolerance it was held to (or why it failed). */
public record CheckResult(String name, boolean passed, double maxError, double tolerance, String problem) {}
