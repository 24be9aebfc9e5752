package monetj.core.nn;

import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;

/**
 * The mixed-precision policy a model is traced with: the dtype of master parameters and optimizer state, and
 * the dtype of matmul inputs and of the activations between layers. Every product of {@code compute}
 * operands accumulates in f32 (dot_general's preferred element type); the products whose results feed
 * numerically sensitive code (router logits, attention scores, LM-head logits) keep the f32 result
 * ({@link #dotF32}), the others are rounded back to {@code compute} ({@link #dot}). Norm statistics,
 * softmaxes, BatchNorm, losses and the optimizer always run in f32.
 *
 * <p>{@code f32}: everything f32 (the reference). {@code bf16-mixed}: f32 masters and moments, bf16 matmul
 * inputs and activations, f32 accumulation.
 */
public record Precision(String name, DType master, DType compute) {
    public static final Precision F32 = new Precision("f32", DType.F32, DType.F32);
    public static final Precision BF16_MIXED = new Precision("bf16-mixed", DType.F32, DType.BF16);

    /** The policy named as in {@code train.precision}. */
    public static Precision named(String name) {
        for (Precision p : List.of(F32, BF16_MIXED)) if (p.name.equals(name)) return p;
        throw new IllegalArgumentException("unknown precision '" + name + "' (f32 or bf16-mixed)");
    }

    /** True when products run on narrower inputs than f32. */
    public boolean mixed() { return compute != DType.F32; }

    /** {@code t} as a matmul input or activation. */
    public Tensor cast(Tensor t) { return t.dtype().isFloating() ? t.convert(compute) : t; }

    /** An einsum of compute-dtype operands accumulated in f32, with a compute-dtype result (activations). */
    public Tensor dot(String spec, Tensor... operands) {
        return mixed() ? dotF32(spec, operands).convert(compute) : Tensor.einsum(spec, operands);
    }

    /** An einsum of compute-dtype operands with an f32 result (bf16 operands, f32 preferred element type when mixed). */
    public Tensor dotF32(String spec, Tensor... operands) {
        if (!mixed()) return Tensor.einsum(spec, operands);
        Tensor[] cast = new Tensor[operands.length];
        for (int i = 0; i < operands.length; i++) cast[i] = cast(operands[i]);
        return Tensor.einsum(spec, DType.F32, cast);
    }

    @Override
    public String toString() { return name; }
}
