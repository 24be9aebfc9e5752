package monetj.core.nn;

import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;

/**
 * Traces the initial values of a module's variables from the run's seed, in-graph: the body of every init program.
 * Each variable's Threefry key is {@link Initializer#seedFor}(seed, path) computed in 64-bit wrapping arithmetic and
 * split into its high and low 32-bit words.
 */
public final class VariableInit {
    private VariableInit() {}

    /** The values of every variable of {@code module} by path, in tree order, from {@code seed} (an s64 scalar). */
    public static ParamTree<Tensor> trace(Module module, Tensor seed) {
        if (seed.dtype() != DType.S64 || seed.rank() != 0) throw new IllegalArgumentException("the init seed must be an s64 scalar, got " + seed.type());
        List<Param> vs = module.variables();
        return ParamTree.of(vs.stream().map(Param::path).toList(), vs.stream().map(p -> {
            Tensor[] key = key(seed, p.path());
            Tensor t = p.initializer().trace(key[0], key[1], p.type());
            if (!t.type().equals(p.type())) throw new IllegalStateException("initializer of '" + p.path() + "' made " + t.type() + " instead of " + p.type());
            return t;
        }).toList());
    }

    /** The key words (high, low) of {@code seedFor(seed, path)}, as s32 scalars. */
    static Tensor[] key(Tensor seed, String path) {
        Tensor k = seed.mul(s64(seed, Initializer.SEED_MULTIPLIER)).add(s64(seed, Initializer.pathHash(path)));
        Tensor hi = k.shiftRightLogical(s64(seed, 32)).convert(DType.S32);
        return new Tensor[] {hi, k.convert(DType.S32)}; // convert keeps the low 32 bits, as XLA's
    }

    private static Tensor s64(Tensor like, long v) { return Tensor.constant(like.graph(), HostTensor.of(Shape.SCALAR, new long[] {v})); }
}
