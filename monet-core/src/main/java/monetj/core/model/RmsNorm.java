package monetj.core.model;

import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;

/** LLaMA's RMSNorm: normalised in f32, cast back to the input dtype, then scaled by the weight. */
final class RmsNorm {
    private RmsNorm() {}

    static Tensor apply(Tensor x, Tensor weight, double eps) {
        Tensor x32 = x.convert(DType.F32);
        Tensor meanSquare = x32.square().mean(-1).keepDims(x.shape(), -1);
        return x32.mul(meanSquare.add(eps).rsqrt()).convert(x.dtype()).mul(weight.convert(x.dtype()));
    }
}
