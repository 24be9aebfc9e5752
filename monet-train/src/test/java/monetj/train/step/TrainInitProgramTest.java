package monetj.train.step;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import monetj.core.exec.JavaExecutor;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.ir.Sharding;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.model.Remat;
import monetj.core.nn.Precision;
import monetj.core.program.InitProgram;
import monetj.core.program.Leaf;
import monetj.core.program.Program;
import monetj.core.tensor.HostTensor;
import monetj.train.config.RunConfig;
import monetj.train.mesh.MeshPlan;
import monetj.train.optim.AdamW;
import monetj.train.optim.LearningRateSchedule;
import monetj.xla.stablehlo.ShardyText;
import monetj.xla.stablehlo.StableHloEmitter;
import monetj.xla.stablehlo.StableHloModule;
import org.junit.jupiter.api.Test;

/**
 * The init program of a run: the state the step program takes, leaf for leaf (names, types, shardings), made from
 * the seed alone; on the Java executor exactly what host initialisation gives.
 */
class TrainInitProgramTest {
    private static MonetConfig tiny() throws Exception { return MonetConfig.read(Path.of("../configs/models/tiny-vd.json")); }

    private static TrainStepProgram.Settings settings(MonetConfig model, Set<String> frozen) {
        return new TrainStepProgram.Settings(model, 4, 8, 1, Precision.F32, Remat.NONE, new AdamW(0.9, 0.95, 1e-8, 0.1), 1.0,
                new LearningRateSchedule(3e-3, 2, 10, "cosine", 0.1), 1e-3, 1e-3, frozen, false);
    }

    private static LogicalAxisRules rules(int... sizes) {
        return MeshPlan.rules(new RunConfig.Mesh(sizes[0], sizes[1], sizes[2], sizes[3], null, null), sizes[0] * sizes[1] * sizes[2] * sizes[3]);
    }

    @Test
    void itMakesTheStateTheStepProgramTakesWithItsShardings() throws Exception {
        MonetConfig config = tiny();
        Set<String> frozen = Set.of("model.layers.0.router.w1.weight");
        for (int[] sizes : new int[][] {{1, 2, 1, 1}, {2, 2, 1, 1}, {1, 2, 2, 1}, {1, 1, 1, 2}}) {
            LogicalAxisRules rules = rules(sizes);
            String where = "mesh " + rules.mesh();
            Program init = TrainInitProgram.build(settings(config, frozen), rules);
            Program step = TrainStepProgram.build(TrainStepProgram.Kind.STEP, settings(config, frozen), rules);
            assertEquals(List.of(new Leaf(InitProgram.SEED, InitProgram.SEED, monetj.core.tensor.TensorType.of(monetj.core.tensor.DType.S64),
                    Sharding.replicated(rules.mesh(), 0), false, null)), init.signature().inputs(), where);
            List<Leaf> state = step.signature().inputs().stream().filter(l -> !l.group().equals("batch")).toList();
            assertEquals(state.stream().map(Leaf::name).sorted().toList(), init.signature().outputs().stream().map(Leaf::name).sorted().toList(), where);
            for (Leaf taken : state) {
                Leaf made = init.signature().output(taken.name());
                assertEquals(taken.type(), made.type(), where + ": " + taken.name());
                assertEquals(taken.sharding(), made.sharding(), where + ": " + taken.name());
            }
            assertFalse(init.signature().hasInput("m." + frozen.iterator().next()));

            StableHloModule module = new StableHloEmitter().emit(init);
            String text = module.text();
            assertEquals(rules.mesh().deviceCount(), module.numPartitions(), where);
            String results = text.substring(text.indexOf(") -> (") + 6, text.indexOf(") {\n", text.indexOf(") -> (")));
            List<String> perResult = List.of(results.split(", tensor<"));
            assertEquals(init.signature().outputs().size(), perResult.size(), where);
            for (int i = 0; i < perResult.size(); i++) {
                Leaf leaf = init.signature().outputs().get(i);
                assertTrue(perResult.get(i).contains("sdy.sharding = " + ShardyText.of(leaf.sharding())), where + ": " + leaf.name() + " in " + perResult.get(i));
            }
            assertTrue(text.contains("stablehlo.shift_right_logical") && text.contains("stablehlo.bitcast_convert"), where);
        }
    }

    /** What the trainer starts from on the Java executor: host initialisation plus zero moments, bit for bit. */
    @Test
    void onTheJavaExecutorItEqualsHostInitialisation() throws Exception {
        MonetConfig config = tiny();
        Set<String> frozen = Set.of("model.layers.0.router.w1.weight");
        Map<String, HostTensor> made = new JavaExecutor().run(TrainInitProgram.build(settings(config, frozen), rules(1, 2, 1, 1)), InitProgram.arguments(11));
        TrainState host = TrainState.fresh(config, new MonetModel(config).init(11).asMap(), frozen);
        int leaves = 0;
        for (var e : host.params().entrySet()) leaves += same(e.getKey(), e.getValue(), made);
        for (var e : host.buffers().entrySet()) leaves += same(e.getKey(), e.getValue(), made);
        for (var e : host.m().entrySet()) leaves += same("m." + e.getKey(), e.getValue(), made);
        for (var e : host.v().entrySet()) leaves += same("v." + e.getKey(), e.getValue(), made);
        leaves += same("step", HostTensor.scalar(0), made);
        assertEquals(made.size(), leaves, "nothing else is made");
    }

    private static int same(String name, HostTensor expected, Map<String, HostTensor> made) {
        assertTrue(made.containsKey(name), name);
        assertTrue(expected.contentEquals(made.get(name)), name + ": " + expected + " vs " + made.get(name));
        return 1;
    }
}
