package monetj.core.exec;

import java.util.List;
import monetj.core.ir.Convert;
import monetj.core.ir.Op;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * A product with an f32 result ({@code dot_general} or {@link RoundedOperandDot}) and the convert of that result to
 * bf16 as one op: {@code result} BF16 is {@code convert(product, bf16)}, F32 the round trip {@code convert(convert(product,
 * bf16), f32)}. It is what the executor runs where a bf16-mixed step rounds a product's result and nothing else reads
 * the f32 one (see {@link RoundedResultDotRewrite}): the result is rounded in place right after the product, while it is
 * in cache, instead of by a loop of its own.
 */
record RoundedResultDot(Op product, DType result) implements Op {
    RoundedResultDot {
        if (result != DType.BF16 && result != DType.F32) throw new IllegalArgumentException("a product's result is rounded to bf16 or to bf16 and back to f32, not " + result);
    }

    @Override public String name() { return "dot_general_rounded_to_bf16"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> inputs) {
        TensorType t = product.inferTypes(inputs).get(0);
        if (t.dtype() != DType.F32) throw new IllegalArgumentException(name() + ": the product's result must be f32, got " + t);
        return List.of(new TensorType(result, t.shape()));
    }

    /** The product, then the convert to bf16 (and back to f32). */
    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor r = new Convert(DType.BF16).evaluate(product.evaluate(inputs)).get(0);
        return result == DType.BF16 ? List.of(r) : new Convert(DType.F32).evaluate(List.of(r));
    }
}
