package monetj.core.model;

import monetj.core.dsl.Tensor;
import monetj.core.nn.Initializer;
import monetj.core.nn.Linear;
import monetj.core.nn.Param;
import monetj.core.nn.ParamTree;
import monetj.core.nn.Precision;
import monetj.core.tensor.DType;
import monetj.core.tensor.Shape;

/**
 * Mixture of horizontally decomposed experts (spec §4): expert (i, j) is {@code V_j σ(U_i x + b1_i) + b2_j}, and
 * with routing weights {@code ĝ1[h,i] ĝ2[h,j]} summed over heads,
 * {@code MoHDE(x) = Σ_j V_j (Σ_h ĝ2[h,j] Σ_i ĝ1[h,i] σ(U_i x + b1_i)) + Σ_j (Σ_h ĝ2[h,j]) b2_j}.
 * The two contractions are done head-first ("btim,bthi->bthm" then "bthm,bthj->btjm", the paper's Algorithm 1), so
 * the largest temporary is the (B, T, E, m) hidden activation itself.
 */
final class MoHdeLayer extends ExpertLayer {
    private final MonetConfig c;
    private final Precision precision;
    private final Linear u, v;
    private final Param b;

    MoHdeLayer(MonetConfig c, Precision precision) {
        this.c = c;
        this.precision = precision;
        Initializer init = Initializer.normal(c.initializerRange());
        int em = c.moeExperts() * c.moeDim();
        this.u = child("u", new Linear(c.hiddenSize(), em, true, precision, init).axes("experts", "embed"));
        this.v = child("v", new Linear(em, c.hiddenSize(), false, precision, init).axes("embed", "experts"));
        this.b = parameter("b", DType.F32, Shape.of(c.moeExperts(), c.hiddenSize()), Initializer.zeros(), false).axes("experts", "embed");
    }

    @Override
    Tensor forward(ParamTree<Tensor> p, Tensor z, Tensor g1, Tensor g2) {
        int bs = z.dim(0), t = z.dim(1), e = c.moeExperts(), m = c.moeDim();
        Tensor hidden = u.forward(p, z).relu().square().reshape(bs, t, e, m).shardAs(EXPERT_ACTIVATIONS);
        Tensor perHead = precision.dot("btim,bthi->bthm", hidden, precision.cast(g1));
        Tensor y = precision.dot("bthm,bthj->btjm", perHead, precision.cast(g2));
        // the bias scales by the head-summed weights (summed in f32, then a matmul input)
        return v.forward(p, y.reshape(bs, t, e * m)).add(precision.dot("btj,jd->btd", precision.cast(g2.sum(2)), p.get(b)));
    }

    /** Spec §11.2: {@code Σ_j V_j Σ_i C[i,j] σ(U_i z + b1_i) + Σ_j (Σ_i C[i,j]) b2_j}. */
    @Override
    Tensor forwardComposed(ParamTree<Tensor> p, Tensor z, Tensor composed) {
        int bs = z.dim(0), t = z.dim(1), e = c.moeExperts(), m = c.moeDim();
        Tensor hidden = u.forward(p, z).relu().square().reshape(bs, t, e, m).shardAs(EXPERT_ACTIVATIONS);
        Tensor y = precision.dot("btij,btim->btjm", composed, hidden);
        return v.forward(p, y.reshape(bs, t, e * m)).add(precision.dot("btij,jd->btd", composed, p.get(b)));
    }
}
