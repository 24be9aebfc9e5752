package monetj.core.model;

import monetj.core.dsl.Tensor;
import monetj.core.nn.Module;
import monetj.core.nn.ParamTree;
import monetj.core.nn.Precision;

/**
 * A layer's mixture of monosemantic experts: hidden z [B, T, d] and f32 routing g1, g2 [B, T, H, E] to [B, T, d]
 * (z's dtype). With an expert mask (spec §11.2) the layer runs on the masked composed weights
 * {@code C[i,j] = (1 - M[i,j]) Σ_h ĝ1[h,i] ĝ2[h,j]} instead: the head structure is summed out first, so C is
 * [B, T, E, E], a temporary the unmasked path never builds.
 */
abstract class ExpertLayer extends Module {
    /** The logical axes of the [B, T, E, m] expert activations: split like the batch and like the expert weights' E·m. */
    static final String[] EXPERT_ACTIVATIONS = {"batch", "length", "experts", "expert_hidden"};

    abstract Tensor forward(ParamTree<Tensor> p, Tensor z, Tensor g1, Tensor g2);

    /** The output given the masked composed weights {@code c} [B, T, E (i), E (j)], f32. */
    abstract Tensor forwardComposed(ParamTree<Tensor> p, Tensor z, Tensor c);

    /** Unmasked when {@code removed} is null; else {@code removed} [E, E] (1 = expert (i, j) removed) masks every token. */
    final Tensor forward(ParamTree<Tensor> p, Tensor z, Tensor g1, Tensor g2, Tensor removed) {
        if (removed == null) return forward(p, z, g1, g2);
        Tensor keep = removed.onesLike().sub(removed).convert(g1.dtype());
        return forwardComposed(p, z, Tensor.einsum("bthi,bthj,ij->btij", g1, g2, keep));
    }

    static ExpertLayer of(MonetConfig c, Precision precision) {
        return c.moeDecompose() == MonetConfig.Decompose.HORIZONTAL ? new MoHdeLayer(c, precision) : new MoVdeLayer(c, precision);
    }
}
