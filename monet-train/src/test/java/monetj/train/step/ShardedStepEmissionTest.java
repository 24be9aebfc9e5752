package monetj.train.step;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.core.exec.JavaExecutor;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.ir.Sharding;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.model.Remat;
import monetj.core.nn.Param;
import monetj.core.nn.Precision;
import monetj.core.program.Leaf;
import monetj.core.program.Program;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.train.config.RunConfig;
import monetj.train.mesh.MeshPlan;
import monetj.train.optim.AdamW;
import monetj.train.optim.LearningRateSchedule;
import monetj.xla.pjrt.CompileOptions;
import monetj.xla.stablehlo.Partitioner;
import monetj.xla.stablehlo.ShardyText;
import monetj.xla.stablehlo.StableHloEmitter;
import monetj.xla.stablehlo.StableHloModule;
import org.junit.jupiter.api.Test;

/**
 * The sharded step of the tiny VD model on the meshes fsdp=2, data=2 x fsdp=2, fsdp=2 x tensor=2 and expert=2: every
 * argument and result carries the sharding the rules give (moments like their parameters, tokens over the batch
 * axes, scalars replicated), donated state is aliased to its result, the expert activations are constrained, the
 * compile options ask for as many partitions as the mesh has devices. The Java executor ignores shardings: the
 * sharded program computes bitwise what the unsharded one does.
 */
class ShardedStepEmissionTest {
    private static final int MICRO = 4, SEQ = 8;
    private static final int[][] MESHES = {{1, 2, 1, 1}, {2, 2, 1, 1}, {1, 2, 2, 1}, {1, 1, 1, 2}};

    private static MonetConfig tiny() throws Exception { return MonetConfig.read(Path.of("../configs/models/tiny-vd.json")); }

    private static TrainStepProgram.Settings settings(MonetConfig model) {
        return new TrainStepProgram.Settings(model, MICRO, SEQ, 1, Precision.F32, Remat.NONE, new AdamW(0.9, 0.95, 1e-8, 0.1), 1.0,
                new LearningRateSchedule(3e-3, 2, 10, "cosine", 0.1), 1e-3, 1e-3);
    }

    private static LogicalAxisRules rules(int[] sizes) {
        return MeshPlan.rules(new RunConfig.Mesh(sizes[0], sizes[1], sizes[2], sizes[3], null, null), sizes[0] * sizes[1] * sizes[2] * sizes[3]);
    }

    /** The attribute list of each argument of @main, in order. */
    private static List<String> argumentAttributes(String text) {
        String args = text.substring(text.indexOf("@main(") + 6, text.indexOf(") -> ("));
        return List.of(args.split(", %arg"));
    }

    @Test
    void everyLeafIsShardedAsTheRulesSay() throws Exception {
        MonetConfig config = tiny();
        for (int[] sizes : MESHES) {
            LogicalAxisRules rules = rules(sizes);
            int devices = rules.mesh().deviceCount();
            String where = "mesh " + rules.mesh();
            Program p = TrainStepProgram.build(TrainStepProgram.Kind.STEP, settings(config), rules);
            MonetModel model = new MonetModel(config);
            Map<String, Param> vars = model.variablesByPath();
            for (Leaf leaf : p.signature().inputs()) {
                assertNotNull(leaf.sharding(), where + ": argument " + leaf.name());
                Sharding expected = switch (leaf.group()) {
                    case "params", "buffers" -> rules.sharding(leaf.name(), vars.get(leaf.name()).axes(), leaf.type().shape());
                    case "m", "v" -> { Param owner = vars.get(leaf.name().substring(2)); yield rules.sharding(owner.path(), owner.axes(), owner.type().shape()); }
                    case "batch" -> rules.sharding("tokens", List.of("batch", "length"), leaf.type().shape());
                    default -> Sharding.replicated(rules.mesh(), leaf.type().rank());
                };
                assertEquals(expected, leaf.sharding(), where + ": argument " + leaf.name());
            }
            for (Leaf leaf : p.signature().outputs()) {
                assertNotNull(leaf.sharding(), where + ": result " + leaf.name());
                if (p.signature().hasInput(leaf.name())) assertEquals(p.signature().input(leaf.name()).sharding(), leaf.sharding(), where + ": state " + leaf.name());
                else assertEquals(Sharding.replicated(rules.mesh(), 0), leaf.sharding(), where + ": metric " + leaf.name());
            }
            List<String> tokensDims = p.signature().input("tokens").sharding().dims().get(0);
            assertEquals(List.of("data", "fsdp").stream().filter(a -> rules.mesh().size(a) > 1).toList(), tokensDims, where);

            StableHloModule module = new StableHloEmitter().emit(p);
            String text = module.text();
            assertEquals(devices, module.numPartitions(), where);
            assertTrue(text.contains("mhlo.num_partitions = " + devices + " : i32"), where);
            assertTrue(text.contains("  sdy.mesh @mesh = <[\"data\"=" + sizes[0] + ", \"fsdp\"=" + sizes[1] + ", \"tensor\"=" + sizes[2] + ", \"expert\"=" + sizes[3] + "]>\n"), where);
            CompileOptions options = CompileOptions.forModule(module, java.util.stream.IntStream.range(0, devices).toArray());
            assertEquals(devices, options.numPartitions());
            assertTrue(options.useSpmdPartitioning() && options.useShardyPartitioner(), where);

            List<String> attrs = argumentAttributes(text);
            assertEquals(p.signature().inputs().size(), attrs.size());
            for (int i = 0; i < attrs.size(); i++) {
                Leaf leaf = p.signature().inputs().get(i);
                assertTrue(attrs.get(i).contains("sdy.sharding = " + ShardyText.of(leaf.sharding())), where + ": " + attrs.get(i));
                boolean updated = p.signature().hasInput(leaf.name()) && leaf.donated();
                if (updated) assertTrue(attrs.get(i).contains("tf.aliasing_output = " + p.signature().outputIndex(leaf.name()) + " : i32"), where + ": " + attrs.get(i));
                else assertFalse(attrs.get(i).contains("tf.aliasing_output"), where + ": " + attrs.get(i));
            }
            String results = text.substring(text.indexOf(") -> (") + 6, text.indexOf(") {\n", text.indexOf(") -> (")));
            assertEquals(p.signature().outputs().size(), results.split("sdy.sharding = ", -1).length - 1, where);

            // [B, T, E, m/2] expert activations, constrained as the rules map (batch, length, experts, expert_hidden)
            int half = config.moeDim() / 2;
            String expected = "{sharding = " + ShardyText.of(rules.sharding("x", List.of("batch", "length", "experts", "expert_hidden"), Shape.of(MICRO, SEQ, config.moeExperts(), half)))
                    + "} : (tensor<" + MICRO + "x" + SEQ + "x" + config.moeExperts() + "x" + half + "xf32>)";
            assertTrue(text.contains(expected), where + ": no constraint " + expected);

            String gspmd = new StableHloEmitter().withPartitioner(Partitioner.GSPMD).emit(p).text();
            assertFalse(gspmd.contains("sdy."), where);
            assertEquals(p.signature().inputs().size(), argumentAttributes(gspmd).stream().filter(a -> a.contains("mhlo.sharding = \"")).count(), where);
        }
    }

    @Test
    void aShardedStepComputesWhatTheUnshardedOneDoesOnTheJavaExecutor() throws Exception {
        MonetConfig config = tiny();
        Map<String, HostTensor> unsharded = run(TrainStepProgram.build(TrainStepProgram.Kind.STEP, settings(config)), config);
        for (int[] sizes : new int[][] {{1, 1, 1, 1}, {2, 2, 1, 1}, {1, 1, 1, 2}}) {
            Map<String, HostTensor> sharded = run(TrainStepProgram.build(TrainStepProgram.Kind.STEP, settings(config), rules(sizes)), config);
            assertEquals(unsharded.keySet(), sharded.keySet());
            for (String k : unsharded.keySet()) assertTrue(unsharded.get(k).contentEquals(sharded.get(k)), java.util.Arrays.toString(sizes) + ": " + k);
        }
    }

    private static Map<String, HostTensor> run(Program program, MonetConfig config) {
        JavaExecutor exec = new JavaExecutor();
        TrainState fresh = TrainState.fresh(config, new MonetModel(config).init(3).asMap());
        Map<String, DeviceBuffer> args = new LinkedHashMap<>();
        fresh.leaves().forEach((k, t) -> args.put(k, exec.put(t)));
        args.put("step", exec.put(HostTensor.scalar(0)));
        Random rnd = new Random(5);
        int[] ids = new int[MICRO * (SEQ + 1)];
        for (int i = 0; i < ids.length; i++) ids[i] = rnd.nextInt(config.vocabSize());
        args.put("tokens", exec.put(HostTensor.of(Shape.of(MICRO, SEQ + 1), ids)));
        Map<String, HostTensor> out = new LinkedHashMap<>();
        try (CompiledProgram p = exec.compile(program)) {
            p.run(args).forEach((k, b) -> out.put(k, exec.get(b)));
        }
        return out;
    }
}
