package monetj.core.model;

import monetj.core.dsl.Tensor;
import monetj.core.nn.Module;
import monetj.core.nn.ParamTree;
import monetj.core.nn.Precision;

/** A layer's mixture of monosemantic experts: hidden z [B, T, d] and f32 routing g1, g2 [B, T, H, E] to [B, T, d] (z's dtype). */
abstract class ExpertLayer extends Module {
    abstract Tensor forward(ParamTree<Tensor> p, Tensor z, Tensor g1, Tensor g2);

    static ExpertLayer of(MonetConfig c, Precision precision) {
        return c.moeDecompose() == MonetConfig.Decompose.HORIZONTAL ? new MoHdeLayer(c, precision) : new MoVdeLayer(c, precision);
    }
}
