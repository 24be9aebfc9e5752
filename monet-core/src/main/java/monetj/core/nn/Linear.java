package monetj.core.nn;

import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.Shape;

/**
 * An affine map in Hugging Face / PyTorch layout: {@code weight} is [out, in] and {@code y = x W^T + b}, so
 * checkpoints load without transposing. One dot_general contracts x's last dimension with W's second.
 */
public final class Linear extends Module {
    private final int inFeatures;
    private final Param weight;
    private final Param bias;
    private final Precision precision;

    /** {@code withBias} adds a zero-initialised bias [out]; products in the operands' dtype. */
    public Linear(int inFeatures, int outFeatures, boolean withBias, DType dtype, Initializer weightInit) {
        this(inFeatures, outFeatures, withBias, dtype, weightInit, Precision.F32);
    }

    /** Parameters in the policy's master dtype; products under the policy. */
    public Linear(int inFeatures, int outFeatures, boolean withBias, Precision precision, Initializer weightInit) {
        this(inFeatures, outFeatures, withBias, precision.master(), weightInit, precision);
    }

    private Linear(int inFeatures, int outFeatures, boolean withBias, DType dtype, Initializer weightInit, Precision precision) {
        this.inFeatures = inFeatures;
        this.precision = precision;
        this.weight = parameter("weight", dtype, Shape.of(outFeatures, inFeatures), weightInit);
        this.bias = withBias ? parameter("bias", dtype, Shape.of(outFeatures), Initializer.zeros(), false) : null;
    }

    public Param weight() { return weight; }

    public boolean hasBias() { return bias != null; }

    /** Declares the logical axes of the weight [out, in] and of the bias [out]; returns this layer. */
    public Linear axes(String out, String in) {
        weight.axes(out, in);
        if (bias != null) bias.axes(out);
        return this;
    }

    /** The bias parameter; only when {@link #hasBias()}. */
    public Param bias() {
        if (bias == null) throw new IllegalStateException("Linear '" + path() + "' has no bias");
        return bias;
    }

    /** x [.., in] to [.., out], in the policy's activation dtype. */
    public Tensor forward(ParamTree<Tensor> params, Tensor x) {
        check(x);
        Tensor y = precision.dot("...i,oi->...o", x, params.get(weight));
        return bias == null ? y : y.add(precision.mixed() ? precision.cast(params.get(bias)) : params.get(bias));
    }

    /** x [.., in] to [.., out] with an f32 result (router and LM-head logits): compute-dtype operands, f32 product and bias. */
    public Tensor logits(ParamTree<Tensor> params, Tensor x) {
        check(x);
        Tensor y = precision.dotF32("...i,oi->...o", x, params.get(weight));
        return bias == null ? y : y.add(params.get(bias).convert(y.dtype()));
    }

    private void check(Tensor x) {
        if (x.rank() == 0 || x.dim(-1) != inFeatures) {
            throw new IllegalArgumentException("Linear '" + path() + "' takes inputs [.., " + inFeatures + "], got " + x.type());
        }
    }
}
