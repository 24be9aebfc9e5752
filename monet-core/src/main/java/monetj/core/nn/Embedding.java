package monetj.core.nn;

import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.Shape;

/** A lookup table {@code weight} [vocab, dim]: integer ids [..] to rows [.., dim], gathered (never a one-hot product). */
public final class Embedding extends Module {
    private final Param weight;

    public Embedding(int vocab, int dim, DType dtype, Initializer init) {
        this.weight = parameter("weight", dtype, Shape.of(vocab, dim), init).axes("vocab", "embed");
    }

    public Param weight() { return weight; }

    public Tensor forward(ParamTree<Tensor> params, Tensor ids) {
        if (ids.dtype().isFloating()) throw new IllegalArgumentException("Embedding '" + path() + "' takes integer ids, got " + ids.type());
        return params.get(weight).take(ids, 0);
    }
}
