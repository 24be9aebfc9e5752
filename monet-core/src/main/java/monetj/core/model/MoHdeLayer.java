package monetj.core.model;

import monetj.core.dsl.Tensor;

/**
 * Mixture of horizontally decomposed experts (spec §4): expert (i, j) is {@code V_j σ(U_i x + b1_i) + b2_j}, and
 * with routing weights {@code ĝ1[h,i] ĝ2[h,j]} summed over heads,
 * {@code MoHDE(x) = Σ_j V_j (Σ_h ĝ2[h,j] Σ_i ĝ1[h,i] σ(U_i x + b1_i)) + Σ_j (Σ_h ĝ2[h,j]) b2_j}.
 * The two contractions are done head-first ("btim,bthi->bthm" then "bthm,bthj->btjm", the paper's Algorithm 1), so
 * the largest temporary is the (B, T, E, m) hidden activation itself.
 */
final class MoHdeLayer {
    private MoHdeLayer() {}

    static Tensor forward(MonetConfig c, Weights w, Tensor z, Tensor g1, Tensor g2) {
        int b = z.dim(0), t = z.dim(1), e = c.moeExperts(), m = c.moeDim();
        Tensor u = Linear.apply(z, w.get("u.weight"), w.get("u.bias")).relu().square().reshape(b, t, e, m);
        Tensor perHead = Tensor.einsum("btim,bthi->bthm", u, g1);
        Tensor y = Tensor.einsum("bthm,bthj->btjm", perHead, g2);
        Tensor out = Linear.apply(y.reshape(b, t, e * m), w.get("v.weight"));
        return out.add(Tensor.einsum("bthj,jd->btd", g2, w.get("b")));
    }
}
