package monetj.core.program;

import java.util.Map;
import monetj.core.backend.Backend;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Sharding;
import monetj.core.nn.Module;
import monetj.core.nn.Param;
import monetj.core.nn.ParamTree;
import monetj.core.nn.VariableInit;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * The program that initialises a module's variables where they live: argument {@code seed} (s64 scalar, group
 * {@code seed}); results every variable by path in tree order, parameters in group {@code params} and buffers in
 * group {@code buffers}, each carrying its sharding, so a partitioned backend computes only each device's shard.
 * The seed is an argument so that nothing can be folded into constants at compile time.
 */
public final class InitProgram {
    /** The argument's name. */
    public static final String SEED = "seed";

    private InitProgram() {}

    /** The program for {@code module}, sharded as its variables are (over their mesh, when they have one). */
    public static Program build(Module module) {
        ProgramBuilder b = new ProgramBuilder("monet_init");
        Sharding.Mesh mesh = meshOf(module);
        if (mesh != null) b.onMesh(mesh);
        ParamTree<Tensor> values = VariableInit.trace(module, seed(b));
        outputs(b, module, values);
        return b.build();
    }

    /** Declares the seed argument. */
    public static Tensor seed(ProgramBuilder b) { return b.input(SEED, SEED, TensorType.of(DType.S64), null, false); }

    /** Chooses every variable as a result named by its path, with its sharding. */
    public static void outputs(ProgramBuilder b, Module module, ParamTree<Tensor> values) {
        for (Param p : module.variables()) {
            Tensor v = values.get(p);
            if (p.sharding() != null) b.graph().shard(v.value(), p.sharding());
            b.output(p.trainable() ? "params" : "buffers", p.path(), v);
        }
    }

    /** The argument binding for a run seeded with {@code seed}. */
    public static Map<String, HostTensor> arguments(long seed) { return Map.of(SEED, HostTensor.of(monetj.core.tensor.Shape.SCALAR, new long[] {seed})); }

    /** The module's fresh values for {@code seed}, computed on {@code backend} and fetched. */
    public static ParamTree<HostTensor> run(Backend backend, Module module, long seed) {
        Map<String, HostTensor> out = backend.run(build(module), arguments(seed));
        return ParamTree.of(module.variables().stream().map(Param::path).toList(), module.variables().stream().map(p -> out.get(p.path())).toList());
    }

    private static Sharding.Mesh meshOf(Module module) {
        return module.shardings().values().stream().map(Sharding::mesh).findFirst().orElse(null);
    }
}
