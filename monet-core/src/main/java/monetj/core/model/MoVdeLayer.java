package monetj.core.model;

import monetj.core.dsl.Tensor;

/**
 * Mixture of vertically decomposed experts (spec §5): expert (i, j) stacks two half-width blocks,
 * {@code [V11_i σ1_i + V12_i σ2_j + b12_i ; V21_j σ1_i + V22_j σ2_j + b22_j]} with {@code σ1_i = σ(U1_i x + b11_i)},
 * {@code σ2_j = σ(U2_j x + b21_j)}. Summed over heads and routing weights this is six terms: the straight flows
 * X11, X22 and biases X13, X23 scale by the head-summed weights; the cross flows X12, X21 route one side's
 * activations through the other side's weights, contracted head-first so no (B, T, H, E, m) tensor appears.
 */
final class MoVdeLayer {
    private MoVdeLayer() {}

    static Tensor forward(MonetConfig c, Weights w, Tensor z, Tensor g1, Tensor g2) {
        int b = z.dim(0), t = z.dim(1), e = c.moeExperts(), half = c.moeDim() / 2;
        Tensor x1 = Linear.apply(z, w.get("u1.weight"), w.get("u1.bias")).relu().square().reshape(b, t, e, half);
        Tensor x2 = Linear.apply(z, w.get("u2.weight"), w.get("u2.bias")).relu().square().reshape(b, t, e, half);

        Tensor x11 = Tensor.einsum("btim,bthi->btim", x1, g1);
        Tensor x12 = Tensor.einsum("bthm,bthi->btim", Tensor.einsum("btjm,bthj->bthm", x2, g2), g1);
        Tensor x13 = Tensor.einsum("bthi,id->btd", g1, w.get("b1"));
        Tensor x21 = Tensor.einsum("bthm,bthj->btjm", Tensor.einsum("btim,bthi->bthm", x1, g1), g2);
        Tensor x22 = Tensor.einsum("btjm,bthj->btjm", x2, g2);
        Tensor x23 = Tensor.einsum("bthj,jd->btd", g2, w.get("b2"));

        Tensor first = project(x11, w, "v11").add(project(x12, w, "v12")).add(x13);
        Tensor second = project(x21, w, "v21").add(project(x22, w, "v22")).add(x23);
        return Tensor.concat(-1, first, second);
    }

    private static Tensor project(Tensor experts, Weights w, String name) {
        int b = experts.dim(0), t = experts.dim(1);
        return Linear.apply(experts.reshape(b, t, -1), w.get(name + ".weight"));
    }
}
