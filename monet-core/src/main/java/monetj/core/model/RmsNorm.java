package monetj.core.model;

import monetj.core.dsl.Tensor;
import monetj.core.nn.Initializer;
import monetj.core.nn.Module;
import monetj.core.nn.Param;
import monetj.core.nn.ParamTree;
import monetj.core.tensor.DType;
import monetj.core.tensor.Shape;

/** LLaMA's RMSNorm: normalised in f32, cast back to the input dtype, then scaled by {@code weight} (initially ones). */
final class RmsNorm extends Module {
    private final Param weight;
    private final double eps;

    RmsNorm(int dim, double eps) {
        this.weight = parameter("weight", DType.F32, Shape.of(dim), Initializer.ones(), false).axes("norm");
        this.eps = eps;
    }

    Tensor forward(ParamTree<Tensor> p, Tensor x) {
        Tensor x32 = x.convert(DType.F32);
        Tensor meanSquare = x32.square().mean(-1).keepDims(x.shape(), -1);
        return x32.mul(meanSquare.add(eps).rsqrt()).convert(x.dtype()).mul(p.get(weight).convert(x.dtype()));
    }
}
