package monetj.xla.check;

import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;

/**
 * The one place that says how closely another backend must follow the Java executor, used by every cross-backend
 * test and by {@code monet selftest}.
 *
 * <p>Single ops (the cases of {@link CheckCases}): a few ulps of the result's type, relative above magnitude 1
 * and absolute below it. Whole programs (train steps, gradients, eval): per output, relative to the element and
 * absolute relative to the output's own scale (its root mean square), since an output such as the AdamW second
 * moment lives at 1e-8 while the logits live at 1. f32 programs differ only by summation order and
 * transcendental-function rounding; bf16-mixed programs (bf16 matmul inputs, f32 accumulation) also by where
 * the compiler keeps bf16 intermediates in f32, a few bf16 ulps after the matmul chains of a whole model.
 *
 * <p>Expert selection is discrete, so no tolerance covers a routing decision that rounds the other way: such
 * flips are found separately ({@link RoutingFlips}) and reported as flips, with their margins.
 */
public final class AgreementPolicy {
    private AgreementPolicy() {}

    /** A single op's result of type {@code t}. */
    public static Tolerance singleOp(DType t) {
        double tol = switch (t) {
            case F64 -> 1e-12;
            case BF16 -> 1.0 / 64; // four bf16 ulps: an accelerator may keep bf16 intermediates in f32
            case F16 -> 1.0 / 512;
            case F32 -> 1e-5;
            case S64, S32, PRED -> 0;
        };
        return new Tolerance(tol, tol);
    }

    /** An output of a whole program run in f32 or in bf16-mixed precision, scaled to {@code reference}. */
    public static Tolerance programOutput(HostTensor reference, boolean bf16Mixed) {
        if (!reference.dtype().isFloating()) return Tolerance.EXACT;
        double relative = bf16Mixed ? BF16_MIXED_RELATIVE : F32_RELATIVE;
        return new Tolerance(relative, relative * rms(reference));
    }

    /** f32 whole programs: summation order over a model's reductions and matmuls. */
    public static final double F32_RELATIVE = 1e-4;
    /** bf16-mixed whole programs: a few bf16 ulps (2^-8) through a model's chains of bf16 matmuls. */
    public static final double BF16_MIXED_RELATIVE = 1.0 / 32;
    /**
     * How far from the selection cut (in normalised router scores, which are O(1)) a routing decision may sit and
     * still flip by rounding: a few ulps of the precision the scores are computed from.
     */
    public static double roundingFlipMargin(boolean bf16Mixed) { return bf16Mixed ? 1.0 / 32 : 1e-5; }

    /** Training losses step by step on an f32 run (relative). */
    public static final Tolerance TRAINING_LOSS_F32 = new Tolerance(1e-4, 0);

    static double rms(HostTensor t) {
        double[] v = t.doubles();
        double s = 0;
        for (double x : v) if (Double.isFinite(x)) s += x * x;
        return v.length == 0 ? 0 : Math.sqrt(s / v.length);
    }
}
