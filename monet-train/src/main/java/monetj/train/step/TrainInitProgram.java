package monetj.train.step;

import monetj.core.dsl.Tensor;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.model.MonetModel;
import monetj.core.nn.Param;
import monetj.core.nn.ParamTree;
import monetj.core.nn.VariableInit;
import monetj.core.program.InitProgram;
import monetj.core.program.Program;
import monetj.core.program.ProgramBuilder;
import monetj.core.tensor.DType;
import monetj.core.tensor.Shape;

/**
 * The program that starts a run from scratch where its state lives: from the argument {@code seed} (s64 scalar) it
 * makes every parameter and buffer ({@link InitProgram}: in-graph Threefry, each variable keyed by its path), zero
 * AdamW moments {@code m.<path>} and {@code v.<path>} for the trained parameters and {@code step} 0, each result
 * sharded as the step program takes it. On a mesh each device computes only its shards, so no host ever holds the
 * whole state; on the Java executor the same program runs unsharded and gives the same values as
 * {@link MonetModel#init} with {@link TrainState#fresh}.
 */
public final class TrainInitProgram {
    private TrainInitProgram() {}

    /** The init program of a run with settings {@code s}, sharded by {@code rules} (null: unsharded). */
    public static Program build(TrainStepProgram.Settings s, LogicalAxisRules rules) {
        MonetModel model = new MonetModel(s.model(), s.precision());
        ProgramBuilder b = new ProgramBuilder("monet_init");
        if (rules != null) {
            model.shard(rules);
            b.onMesh(rules.mesh()).graph().setAxisRules(rules);
        }
        ParamTree<Tensor> values = VariableInit.trace(model, InitProgram.seed(b));
        InitProgram.outputs(b, model, values);
        for (String moment : new String[] {"m", "v"}) {
            for (Param p : model.parameters()) {
                if (!s.trained().contains(p.path())) continue; // frozen: no moments
                Tensor zeros = Tensor.full(b.graph(), DType.F32, p.type().shape(), 0);
                if (p.sharding() != null) b.graph().shard(zeros.value(), p.sharding());
                b.output(moment, moment + "." + p.path(), zeros);
            }
        }
        b.output("step", "step", Tensor.full(b.graph(), DType.S32, Shape.SCALAR, 0));
        return b.build();
    }
}
