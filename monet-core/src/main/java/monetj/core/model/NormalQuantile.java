package monetj.core.model;

import org.apache.commons.statistics.distribution.NormalDistribution;

/** The standard normal inverse CDF, from Apache Commons Statistics (a maintained implementation). */
final class NormalQuantile {
    private static final NormalDistribution STANDARD = NormalDistribution.of(0, 1);

    private NormalQuantile() {}

    static double inverseCdf(double p) { return STANDARD.inverseCumulativeProbability(p); }
}
