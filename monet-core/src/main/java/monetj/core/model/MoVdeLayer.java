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
 * Mixture of vertically decomposed experts (spec §5): expert (i, j) stacks two half-width blocks,
 * {@code [V11_i σ1_i + V12_i σ2_j + b12_i ; V21_j σ1_i + V22_j σ2_j + b22_j]} with {@code σ1_i = σ(U1_i x + b11_i)},
 * {@code σ2_j = σ(U2_j x + b21_j)}. Summed over heads and routing weights this is six terms: the straight flows
 * X11, X22 and biases X13, X23 scale by the head-summed weights; the cross flows X12, X21 route one side's
 * activations through the other side's weights, contracted head-first so no (B, T, H, E, m) tensor appears.
 */
final class MoVdeLayer extends ExpertLayer {
    private final MonetConfig c;
    private final Precision precision;
    private final Linear u1, u2, v11, v12, v21, v22;
    private final Param b1, b2;

    MoVdeLayer(MonetConfig c, Precision precision) {
        this.c = c;
        this.precision = precision;
        Initializer init = Initializer.normal(c.initializerRange());
        int d = c.hiddenSize(), half = c.moeExperts() * c.moeDim() / 2;
        this.u1 = child("u1", new Linear(d, half, true, precision, init).axes("experts", "embed"));
        this.u2 = child("u2", new Linear(d, half, true, precision, init).axes("experts", "embed"));
        this.v11 = child("v11", new Linear(half, d / 2, false, precision, init).axes("embed", "experts"));
        this.v12 = child("v12", new Linear(half, d / 2, false, precision, init).axes("embed", "experts"));
        this.v21 = child("v21", new Linear(half, d / 2, false, precision, init).axes("embed", "experts"));
        this.v22 = child("v22", new Linear(half, d / 2, false, precision, init).axes("embed", "experts"));
        this.b1 = parameter("b1", DType.F32, Shape.of(c.moeExperts(), d / 2), Initializer.zeros(), false).axes("experts", "embed");
        this.b2 = parameter("b2", DType.F32, Shape.of(c.moeExperts(), d / 2), Initializer.zeros(), false).axes("experts", "embed");
    }

    @Override
    Tensor forward(ParamTree<Tensor> p, Tensor z, Tensor g1, Tensor g2) {
        int b = z.dim(0), t = z.dim(1), e = c.moeExperts(), half = c.moeDim() / 2;
        Tensor x1 = u1.forward(p, z).relu().square().reshape(b, t, e, half).shardAs(EXPERT_ACTIVATIONS);
        Tensor x2 = u2.forward(p, z).relu().square().reshape(b, t, e, half).shardAs(EXPERT_ACTIVATIONS);

        // the straight flows and biases scale by the head-summed weights (summed in f32, then matmul inputs)
        Tensor s1 = precision.cast(g1.sum(2)), s2 = precision.cast(g2.sum(2));
        Tensor h1 = precision.cast(g1), h2 = precision.cast(g2);
        Tensor x11 = precision.dot("btim,bti->btim", x1, s1);
        Tensor x12 = precision.dot("bthm,bthi->btim", precision.dot("btjm,bthj->bthm", x2, h2), h1);
        Tensor x13 = precision.dot("bti,id->btd", s1, p.get(b1));
        Tensor x21 = precision.dot("bthm,bthj->btjm", precision.dot("btim,bthi->bthm", x1, h1), h2);
        Tensor x22 = precision.dot("btjm,btj->btjm", x2, s2);
        Tensor x23 = precision.dot("btj,jd->btd", s2, p.get(b2));

        Tensor first = project(p, v11, x11).add(project(p, v12, x12)).add(x13);
        Tensor second = project(p, v21, x21).add(project(p, v22, x22)).add(x23);
        return Tensor.concat(-1, first, second);
    }

    /**
     * Spec §11.2, with row sums {@code r_i = Σ_j C[i,j]} and column sums {@code c_j = Σ_i C[i,j]}:
     * X11 = Σ_i r_i V11_i σ1_i, X12 = Σ_i V12_i Σ_j C[i,j] σ2_j, X13 = Σ_i r_i b12_i,
     * X21 = Σ_j V21_j Σ_i C[i,j] σ1_i, X22 = Σ_j c_j V22_j σ2_j, X23 = Σ_j c_j b22_j.
     */
    @Override
    Tensor forwardComposed(ParamTree<Tensor> p, Tensor z, Tensor composed) {
        int b = z.dim(0), t = z.dim(1), e = c.moeExperts(), half = c.moeDim() / 2;
        Tensor x1 = u1.forward(p, z).relu().square().reshape(b, t, e, half).shardAs(EXPERT_ACTIVATIONS);
        Tensor x2 = u2.forward(p, z).relu().square().reshape(b, t, e, half).shardAs(EXPERT_ACTIVATIONS);
        Tensor rows = composed.sum(3), cols = composed.sum(2);

        Tensor x11 = precision.dot("btim,bti->btim", x1, rows);
        Tensor x12 = precision.dot("btjm,btij->btim", x2, composed);
        Tensor x13 = precision.dot("bti,id->btd", rows, p.get(b1));
        Tensor x21 = precision.dot("btim,btij->btjm", x1, composed);
        Tensor x22 = precision.dot("btjm,btj->btjm", x2, cols);
        Tensor x23 = precision.dot("btj,jd->btd", cols, p.get(b2));

        Tensor first = project(p, v11, x11).add(project(p, v12, x12)).add(x13);
        Tensor second = project(p, v21, x21).add(project(p, v22, x22)).add(x23);
        return Tensor.concat(-1, first, second);
    }

    private static Tensor project(ParamTree<Tensor> p, Linear v, Tensor experts) {
        return v.forward(p, experts.reshape(experts.dim(0), experts.dim(1), -1));
    }
}
