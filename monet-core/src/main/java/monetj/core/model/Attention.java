package monetj.core.model;

import monetj.core.dsl.Tensor;
import monetj.core.nn.Initializer;
import monetj.core.nn.Linear;
import monetj.core.nn.Module;
import monetj.core.nn.ParamTree;
import monetj.core.nn.Precision;
import monetj.core.tensor.DType;
import monetj.core.tensor.Shape;

/**
 * LLaMA self-attention: q/k/v/o projections without bias, rotary embeddings, a mask, softmax in f32, and
 * grouped-query attention when there are fewer key/value heads (each serves {@code heads / kvHeads} query heads).
 */
final class Attention extends Module {
    private final MonetConfig c;
    private final Precision precision;
    private final Linear q, k, v, o;

    Attention(MonetConfig c, Precision precision) {
        this.c = c;
        this.precision = precision;
        Initializer init = Initializer.normal(c.initializerRange());
        int qDim = c.numAttentionHeads() * c.headDim(), kvDim = c.numKeyValueHeads() * c.headDim();
        this.q = child("q_proj", new Linear(c.hiddenSize(), qDim, false, precision, init).axes("heads", "embed"));
        this.k = child("k_proj", new Linear(c.hiddenSize(), kvDim, false, precision, init).axes("kv_heads", "embed"));
        this.v = child("v_proj", new Linear(c.hiddenSize(), kvDim, false, precision, init).axes("kv_heads", "embed"));
        this.o = child("o_proj", new Linear(qDim, c.hiddenSize(), false, precision, init).axes("embed", "heads"));
    }

    /** Keys and values of the positions attended to, [B, kvHeads, S, hd] each, and which are visible to each query [T, S]. */
    record Context(Tensor keys, Tensor values, Tensor mask) {}

    /** q [B, heads, T, hd], k and v [B, kvHeads, T, hd], rotated. */
    record Projected(Tensor q, Tensor k, Tensor v) {}

    Projected project(ParamTree<Tensor> p, Tensor x, Tensor cos, Tensor sin) {
        int b = x.dim(0), t = x.dim(1), hd = c.headDim();
        Tensor qh = q.forward(p, x).reshape(b, t, c.numAttentionHeads(), hd).transpose(0, 2, 1, 3);
        Tensor kh = k.forward(p, x).reshape(b, t, c.numKeyValueHeads(), hd).transpose(0, 2, 1, 3);
        Tensor vh = v.forward(p, x).reshape(b, t, c.numKeyValueHeads(), hd).transpose(0, 2, 1, 3);
        return new Projected(RotaryEmbedding.apply(qh, cos, sin), RotaryEmbedding.apply(kh, cos, sin), vh);
    }

    /** Attention of queries q [B, heads, T, hd] over a context; returns the o_proj output [B, T, d]. */
    Tensor attend(ParamTree<Tensor> p, Tensor qh, Context ctx) {
        int b = qh.dim(0), t = qh.dim(2), hd = c.headDim();
        Tensor kh = repeatKv(ctx.keys()), vh = repeatKv(ctx.values());
        // scores and their softmax in f32 (bf16 operands, f32 result under a mixed policy)
        Tensor scores = precision.dotF32("bhqd,bhkd->bhqk", qh, kh).convert(DType.F32).mul(1.0 / Math.sqrt(hd));
        Tensor masked = ctx.mask().where(scores, scores.scalar(Double.NEGATIVE_INFINITY));
        Tensor probs = masked.softmax(-1).convert(vh.dtype());
        Tensor out = precision.dot("bhqk,bhkd->bqhd", probs, vh).reshape(b, t, c.numAttentionHeads() * hd);
        return o.forward(p, out);
    }

    /** [B, kvHeads, S, hd] → [B, heads, S, hd], query head h reading kv head h / (heads / kvHeads), as HF's repeat_kv. */
    private Tensor repeatKv(Tensor kv) {
        int rep = c.numAttentionHeads() / c.numKeyValueHeads();
        if (rep == 1) return kv;
        int b = kv.dim(0), s = kv.dim(2), hd = kv.dim(3);
        return kv.broadcastInDim(Shape.of(b, c.numKeyValueHeads(), rep, s, hd), 0, 1, 3, 4).reshape(b, c.numAttentionHeads(), s, hd);
    }
}
