package monetj.core.model;

import monetj.core.dsl.Tensor;
import monetj.core.ir.DotGeneral;

/** {@code y = x W^T (+ b)} with W in the Hugging Face layout [out, in], as one dot_general over the last axis. */
final class Linear {
    private Linear() {}

    static Tensor apply(Tensor x, Tensor weight) {
        return Tensor.apply(DotGeneral.contracting(x.rank() - 1, 1), x, weight);
    }

    static Tensor apply(Tensor x, Tensor weight, Tensor bias) { return apply(x, weight).add(bias); }
}
