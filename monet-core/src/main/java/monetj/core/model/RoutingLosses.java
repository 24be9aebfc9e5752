package monetj.core.model;

import java.util.List;
import monetj.core.dsl.Tensor;

/**
 * The auxiliary routing losses of the paper (Eq. 16-17) in the batch-mean reading of spec §7.2, averaged over
 * routers. Uniformity: {@code -1/2 (mean log p1 + mean log p2)} with {@code p = g} averaged over the batch's
 * tokens (floored at 1e-9 so an unused expert gives a large but finite loss). Ambiguity:
 * {@code 1 - 1/2 (mean max_i g1 + mean max_j g2)} over tokens and heads.
 */
public final class RoutingLosses {
    static final double FLOOR = 1e-9;

    private RoutingLosses() {}

    public static Tensor uniformity(List<RoutingProbabilities> routers) {
        Tensor sum = null;
        for (RoutingProbabilities r : routers) {
            Tensor l = meanLog(r.g1()).add(meanLog(r.g2())).mul(-0.5);
            sum = sum == null ? l : sum.add(l);
        }
        return sum.div(routers.size());
    }

    public static Tensor ambiguity(List<RoutingProbabilities> routers) {
        Tensor sum = null;
        for (RoutingProbabilities r : routers) {
            Tensor l = r.g1().max(-1).mean().add(r.g2().max(-1).mean()).mul(-0.5).add(1.0);
            sum = sum == null ? l : sum.add(l);
        }
        return sum.div(routers.size());
    }

    private static Tensor meanLog(Tensor g) { return g.mean(0, 1).maximum(FLOOR).log().mean(); }
}
