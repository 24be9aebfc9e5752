package monetj.core.model;

import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.Shape;

/**
 * LLaMA self-attention: q/k/v/o projections without bias, rotary embeddings, causal mask, softmax in f32,
 * grouped-query attention when there are fewer key/value heads (each serves {@code heads / kvHeads} query heads).
 */
final class Attention {
    private Attention() {}

    /** Keys and values of the positions attended to, [B, kvHeads, S, hd] each, and their validity mask [T, S]. */
    record Context(Tensor keys, Tensor values, Tensor mask) {}

    /** q [B, heads, T, hd], k and v [B, kvHeads, T, hd], rotated. */
    record Projected(Tensor q, Tensor k, Tensor v) {}

    static Projected project(MonetConfig c, Weights w, Tensor x, Tensor cos, Tensor sin) {
        int b = x.dim(0), t = x.dim(1), hd = c.headDim();
        Tensor q = Linear.apply(x, w.get("q_proj.weight")).reshape(b, t, c.numAttentionHeads(), hd).transpose(0, 2, 1, 3);
        Tensor k = Linear.apply(x, w.get("k_proj.weight")).reshape(b, t, c.numKeyValueHeads(), hd).transpose(0, 2, 1, 3);
        Tensor v = Linear.apply(x, w.get("v_proj.weight")).reshape(b, t, c.numKeyValueHeads(), hd).transpose(0, 2, 1, 3);
        return new Projected(RotaryEmbedding.apply(q, cos, sin), RotaryEmbedding.apply(k, cos, sin), v);
    }

    /** Attention of queries q [B, heads, T, hd] over a context; returns the o_proj output [B, T, d]. */
    static Tensor attend(MonetConfig c, Weights w, Tensor q, Context ctx) {
        int b = q.dim(0), t = q.dim(2), hd = c.headDim();
        Tensor k = repeatKv(c, ctx.keys()), v = repeatKv(c, ctx.values());
        Tensor scores = Tensor.einsum("bhqd,bhkd->bhqk", q, k).convert(DType.F32).mul(1.0 / Math.sqrt(hd));
        Tensor masked = ctx.mask().where(scores, scores.scalar(Double.NEGATIVE_INFINITY));
        Tensor probs = masked.softmax(-1).convert(v.dtype());
        Tensor out = Tensor.einsum("bhqk,bhkd->bqhd", probs, v).reshape(b, t, c.numAttentionHeads() * hd);
        return Linear.apply(out, w.get("o_proj.weight"));
    }

    /** [B, kvHeads, S, hd] → [B, heads, S, hd], query head h reading kv head h / (heads / kvHeads), as HF's repeat_kv. */
    private static Tensor repeatKv(MonetConfig c, Tensor kv) {
        int rep = c.numAttentionHeads() / c.numKeyValueHeads();
        if (rep == 1) return kv;
        int b = kv.dim(0), s = kv.dim(2), hd = kv.dim(3);
        return kv.broadcastInDim(Shape.of(b, c.numKeyValueHeads(), rep, s, hd), 0, 1, 3, 4).reshape(b, c.numAttentionHeads(), s, hd);
    }
}
