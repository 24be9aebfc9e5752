package monetj.xla.check;

import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;

/**
 * The one place that says how closely another backend must follow the Java executor, used by every cross-backend
 * test and by {@code monet selftest}.
 *
 * <p>Single ops (the cases of {@link CheckCases}): a few ulps of the result's type, relative above magnitude 1
 * and absolute below it.
 *
 * <p>Whole f32 programs (train steps, gradients, eval), per output: relative to the element and absolute relative
 * to the output's own scale (its root mean square), since an output such as the AdamW second moment lives at
 * 1e-8 while the logits live at 1. The backends differ only by summation order and transcendental rounding.
 *
 * <p>Whole bf16-mixed programs, per output, in norm ({@code ||candidate - reference|| / ||reference||}, as the golden
 * checks measure): two backends round bf16 at different places (XLA keeps fused bf16 intermediates in f32 and
 * orders bf16 reductions its own way), so their results may differ from each other by as much as each differs
 * from exact arithmetic. The allowance is measured, not guessed: twice the reference's own distance from its f32
 * run of the same program (the triangle inequality for two results each that far from f32), at least one bf16 ulp.
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

    /** An output of a whole f32 program, scaled to {@code reference}. */
    public static Tolerance f32ProgramOutput(HostTensor reference) {
        if (!reference.dtype().isFloating()) return Tolerance.EXACT;
        return new Tolerance(F32_RELATIVE, F32_RELATIVE * rms(reference));
    }

    /**
     * The norm-relative difference allowed for an output of a bf16-mixed program whose reference result is
     * {@code reference} and whose f32 run on the reference backend gave {@code referenceF32}.
     */
    public static double bf16ProgramOutput(HostTensor reference, HostTensor referenceF32) {
        return Math.max(BF16_ULP, 2 * normRelative(reference, referenceF32));
    }

    /** f32 whole programs: summation order over a model's reductions and matmuls. */
    public static final double F32_RELATIVE = 1e-4;
    /** One bf16 ulp, relative (8 significant bits). */
    public static final double BF16_ULP = 1.0 / 256;

    /**
     * How far from the selection cut (in normalised router scores, which are O(1)) a routing decision may sit and
     * still flip by rounding: a few ulps of the precision the scores are computed from.
     */
    public static double roundingFlipMargin(boolean bf16Mixed) { return bf16Mixed ? 1.0 / 32 : 1e-5; }

    /** Training losses step by step on an f32 run (relative). */
    public static final Tolerance TRAINING_LOSS_F32 = new Tolerance(1e-4, 0);

    /** ||a - b|| / ||b|| over finite elements (||a - b|| where b is all zero). */
    public static double normRelative(HostTensor a, HostTensor b) {
        double num = 0, den = 0;
        for (long i = 0; i < b.size(); i++) {
            double x = a.getDouble(i), y = b.getDouble(i);
            if (Double.isNaN(x) != Double.isNaN(y) || Double.isInfinite(x) != Double.isInfinite(y)) return Double.POSITIVE_INFINITY;
            if (!Double.isFinite(y)) continue;
            num += (x - y) * (x - y);
            den += y * y;
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    static double rms(HostTensor t) {
        double[] v = t.doubles();
        double s = 0;
        for (double x : v) if (Double.isFinite(x)) s += x * x;
        return v.length == 0 ? 0 : Math.sqrt(s / v.length);
    }
}
