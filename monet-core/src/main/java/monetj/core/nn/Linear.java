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

    /** {@code withBias} adds a zero-initialised bias [out]. */
    public Linear(int inFeatures, int outFeatures, boolean withBias, DType dtype, Initializer weightInit) {
        this.inFeatures = inFeatures;
        this.weight = parameter("weight", dtype, Shape.of(outFeatures, inFeatures), weightInit);
        this.bias = withBias ? parameter("bias", dtype, Shape.of(outFeatures), Initializer.zeros()) : null;
    }

    public Param weight() { return weight; }

    public boolean hasBias() { return bias != null; }

    /** The bias parameter; only when {@link #hasBias()}. */
    public Param bias() {
        if (bias == null) throw new IllegalStateException("Linear '" + path() + "' has no bias");
        return bias;
    }

    /** x [.., in] to [.., out]. */
    public Tensor forward(ParamTree<Tensor> params, Tensor x) {
        if (x.rank() == 0 || x.dim(-1) != inFeatures) {
            throw new IllegalArgumentException("Linear '" + path() + "' takes inputs [.., " + inFeatures + "], got " + x.type());
        }
        Tensor y = Tensor.einsum("...i,oi->...o", x, params.get(weight));
        return bias == null ? y : y.add(params.get(bias));
    }
}
