package monetj.xla.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import monetj.core.tensor.HostTensor;

/**
 * Routing decisions that differ between two backends: an expert selected (margin >= 0) on one and not on the
 * other, for some token and routing head. Each flip carries both margins, so a reader sees whether it sat
 * within rounding of the cut (a flip bf16 rounding explains) or far from it (a wrong program).
 */
public final class RoutingFlips {
    /** One flipped decision: router output (layerL.g1 or g2), [batch, token, head, expert], both margins. */
    public record Flip(String router, int batch, int token, int head, int expert, double referenceMargin, double candidateMargin) {
        @Override
        public String toString() {
            return String.format("%s token [%d, %d] head %d expert %d: margin %.3g on the reference, %.3g on the candidate",
                    router, batch, token, head, expert, referenceMargin, candidateMargin);
        }
    }

    private RoutingFlips() {}

    /**
     * Every flip between the outputs of {@link RoutingProbe} run on a reference and on a candidate: an expert is
     * selected where its routing probability is non-zero (the program's own decision); the margins say how close
     * to the cut it was.
     */
    public static List<Flip> between(Map<String, HostTensor> reference, Map<String, HostTensor> candidate) {
        List<Flip> flips = new ArrayList<>();
        for (String router : reference.keySet()) {
            if (!router.matches(".*\\.g[12]")) continue;
            String margin = router.replaceAll("\\.g([12])$", ".margin$1");
            HostTensor r = reference.get(router), c = candidate.get(router), rm = reference.get(margin), cm = candidate.get(margin);
            int[] d = r.shape().dims(); // [B, T, heads, experts]
            for (long i = 0; i < r.size(); i++) {
                if ((r.getDouble(i) > 0) != (c.getDouble(i) > 0)) {
                    int expert = (int) (i % d[3]), head = (int) (i / d[3] % d[2]), token = (int) (i / d[3] / d[2] % d[1]), batch = (int) (i / d[3] / d[2] / d[1]);
                    flips.add(new Flip(router, batch, token, head, expert, rm.getDouble(i), cm.getDouble(i)));
                }
            }
        }
        return flips;
    }
}
