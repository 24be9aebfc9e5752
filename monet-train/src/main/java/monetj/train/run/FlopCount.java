package monetj.train.run;

import monetj.core.model.MonetConfig;

/**
 * Model FLOPs per trained token (spec §13): the forward count with full-square attention at the sequence
 * length, times 3 for forward plus backward (the routers are trained, so their backward counts too).
 */
public final class FlopCount {
    private FlopCount() {}

    public static double forwardFlopsPerToken(MonetConfig c, int seqLen) {
        double d = c.hiddenSize(), e = c.moeExperts(), m = c.moeDim(), h = c.moeHeads(), t = seqLen;
        double attnProj = 2 * d * (2.0 * c.numAttentionHeads() * c.headDim() + 2.0 * c.numKeyValueHeads() * c.headDim());
        double perLayer = attnProj + 4 * t * c.numAttentionHeads() * c.headDim() + 4 * d * e * m + 4 * h * e * m + 2 * e * d;
        double routers = c.routerLayers().size() * 4 * d * h * e;
        return c.numHiddenLayers() * perLayer + routers + 2 * d * c.vocabSize();
    }

    public static double trainingFlopsPerToken(MonetConfig c, int seqLen) { return 3 * forwardFlopsPerToken(c, seqLen); }
}
