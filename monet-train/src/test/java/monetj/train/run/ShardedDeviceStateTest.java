package monetj.train.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import monetj.core.backend.CompiledProgram;
import monetj.core.dist.ProcessGroup;
import monetj.core.backend.DeviceBuffer;
import monetj.core.dsl.Tensor;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.ir.Sharding;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.model.Remat;
import monetj.core.nn.Precision;
import monetj.core.program.Leaf;
import monetj.core.program.MetricCombine;
import monetj.core.program.Program;
import monetj.core.program.ProgramBuilder;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorBlocks;
import monetj.core.tensor.TensorType;
import monetj.data.iter.TokenBatch;
import monetj.train.checkpoint.CheckpointLayout;
import monetj.train.checkpoint.CheckpointStore;
import monetj.train.checkpoint.ShardedCheckpoint;
import monetj.train.checkpoint.TrainCheckpoint;
import monetj.train.config.RunConfig;
import monetj.train.mesh.MeshPlan;
import monetj.train.optim.AdamW;
import monetj.train.optim.LearningRateSchedule;
import monetj.train.step.TrainState;
import monetj.train.step.TrainStepProgram;
import monetj.xla.pjrt.ClientOptions;
import monetj.xla.pjrt.FakePlugin;
import monetj.xla.pjrt.PjrtBackend;
import monetj.xla.pjrt.ShardedArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's state held sharded on a PJRT backend (the fake plugin with 2 and 4 devices): uploaded with the
 * step program's shardings it comes back bitwise, its per-device blocks are what a sharded checkpoint writes, and a
 * state program runs through it with per-device donation, its results kept sharded as the new state.
 */
class ShardedDeviceStateTest {
    private static final int MICRO = 4, SEQ = 8;
    private static final int[][] MESHES = {{1, 2, 1, 1}, {2, 2, 1, 1}, {1, 2, 2, 1}};

    @TempDir
    Path tmp;

    private static MonetConfig tiny() throws Exception { return MonetConfig.read(Path.of("../configs/models/tiny-vd.json")); }

    private static TrainStepProgram.Settings settings(MonetConfig model) {
        return new TrainStepProgram.Settings(model, MICRO, SEQ, 1, Precision.F32, Remat.NONE, new AdamW(0.9, 0.95, 1e-8, 0.1), 1.0,
                new LearningRateSchedule(3e-3, 2, 10, "cosine", 0.1), 1e-3, 1e-3);
    }

    private static LogicalAxisRules rules(int[] sizes) {
        return MeshPlan.rules(new RunConfig.Mesh(sizes[0], sizes[1], sizes[2], sizes[3], null, null), sizes[0] * sizes[1] * sizes[2] * sizes[3]);
    }

    /** Initial weights and moments that differ everywhere, at step 7. */
    private static TrainState state(MonetConfig config) {
        TrainState fresh = TrainState.fresh(config, new MonetModel(config).init(5).asMap());
        Random r = new Random(11);
        Map<String, HostTensor> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
        fresh.m().forEach((k, t) -> m.put(k, random(t.shape(), r)));
        fresh.v().forEach((k, t) -> v.put(k, random(t.shape(), r)));
        return new TrainState(fresh.params(), fresh.buffers(), m, v, 7);
    }

    private static HostTensor random(Shape shape, Random r) {
        float[] x = new float[(int) shape.size()];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return HostTensor.of(shape, x);
    }

    private static void assertSameState(TrainState want, TrainState got, String where) {
        assertEquals(want.step(), got.step(), where);
        for (var group : List.of(List.of(want.params(), got.params()), List.of(want.buffers(), got.buffers()), List.of(want.m(), got.m()), List.of(want.v(), got.v()))) {
            assertEquals(group.get(0).keySet(), group.get(1).keySet(), where);
            group.get(0).forEach((k, t) -> assertTrue(t.contentEquals(group.get(1).get(k)), where + ": " + k));
        }
    }

    @Test
    void shardedStateRoundTripsBitwiseAndItsBlocksAreACheckpoint() throws Exception {
        MonetConfig config = tiny();
        TrainState s = state(config);
        for (int[] sizes : MESHES) {
            LogicalAxisRules rules = rules(sizes);
            String where = "mesh " + rules.mesh();
            Program step = TrainStepProgram.build(TrainStepProgram.Kind.STEP, settings(config), rules);
            Map<String, Sharding> shardings = StepRunner.stateShardings(List.of(step.signature()));
            try (PjrtBackend b = PjrtBackend.open(FakePlugin.withDevices(rules.mesh().deviceCount()), ClientOptions.none());
                 DeviceState d = DeviceState.upload(b, s, shardings)) {
                for (String leaf : d.stateLeaves()) assertEquals(step.signature().input(leaf).sharding(), d.sharding(leaf), where + ": " + leaf);
                assertSameState(s, d.download(), where);

                Map<Integer, Map<String, HostTensor>> blocks = d.localBlocks();
                String embed = "model.embed_tokens.weight";
                Sharding es = d.sharding(embed);
                for (int dev : TensorBlocks.firstHolders(es, s.params().get(embed).shape())) {
                    assertTrue(blocks.get(dev).get(embed).contentEquals(TensorBlocks.block(s.params().get(embed), es, dev)), where + ": block of device " + dev);
                }
                Map<String, Shape> shapes = new LinkedHashMap<>();
                for (String leaf : d.stateLeaves()) shapes.put(leaf, step.signature().input(leaf).type().shape());
                Path ck = tmp.resolve("ck-" + String.join("x", java.util.Arrays.stream(sizes).mapToObj(String::valueOf).toList()));
                ShardedCheckpoint.write(ck, blocks, shapes, shardings);
                Map<String, HostTensor> restored = ShardedCheckpoint.restore(ck);
                s.params().forEach((k, t) -> assertTrue(t.contentEquals(restored.get(k)), where + ": checkpointed " + k));
                s.m().forEach((k, t) -> assertTrue(t.contentEquals(restored.get("m." + k)), where + ": checkpointed m." + k));
                assertEquals(7, restored.get("step").getDouble(0));
            }
        }
    }

    @Test
    void aResumeOnABackendKeepingBlocksReadsAndPutsOnlyTheBlocksAndComesBackBitwise() throws Exception {
        MonetConfig config = tiny();
        TrainState s = state(config);
        // Saved as fsdp=4 (split on the host), resumed on two devices as fsdp=2 and as fsdp=2 x tensor=2 on four.
        Path run = tmp.resolve("resume");
        CheckpointLayout saved = CheckpointLayout.of(new RunConfig.Mesh(1, 4, 1, 1, null, null), config, Set.of(), ProcessGroup.single(), 4);
        TrainCheckpoint.saveSharded(new CheckpointStore(run, 3), 7, saved, saved.localBlocks(s), config, null, null, 1, Duration.ofSeconds(10));
        for (int[] sizes : new int[][] {{1, 2, 1, 1}, {1, 2, 2, 1}}) {
            LogicalAxisRules rules = rules(sizes);
            int n = rules.mesh().deviceCount();
            String where = "mesh " + rules.mesh();
            Map<String, Sharding> shardings = StepRunner.stateShardings(List.of(TrainStepProgram.build(TrainStepProgram.Kind.STEP, settings(config), rules).signature()));
            CheckpointLayout layout = CheckpointLayout.of(new RunConfig.Mesh(sizes[0], sizes[1], sizes[2], sizes[3], null, null), config, Set.of(), ProcessGroup.single(), n);
            ByteArrayOutputStream console = new ByteArrayOutputStream();
            try (PjrtBackend b = PjrtBackend.open(FakePlugin.withDevices(n), ClientOptions.none())) {
                assertTrue(ResumePoint.readsBlocks(b, layout), where);
                ResumePoint from = ResumePoint.read(new CheckpointStore(run, 3), b, layout, config, Set.of(), ProcessGroup.single(), new PrintStream(console, true));
                assertNull(from.whole(), "no whole state on the host");
                assertEquals(Set.copyOf(layout.localDevices()), from.blocks().blocks().keySet(), where);
                try (DeviceState d = from.upload(b, config, shardings)) {
                    assertSameState(s, d.download(), where);
                }
            }
        }
    }

    @Test
    void accumulatedGradientsKeepTheirParametersShardingBetweenPrograms() throws Exception {
        MonetConfig config = tiny();
        LogicalAxisRules rules = rules(new int[] {1, 2, 2, 1});
        TrainStepProgram.Settings three = new TrainStepProgram.Settings(config, MICRO, SEQ, 3, Precision.F32, Remat.NONE, new AdamW(0.9, 0.95, 1e-8, 0.1), 1.0,
                new LearningRateSchedule(3e-3, 2, 10, "cosine", 0.1), 1e-3, 1e-3);
        Program first = TrainStepProgram.build(TrainStepProgram.Kind.GRADIENTS_FIRST, three, rules);
        Program add = TrainStepProgram.build(TrainStepProgram.Kind.GRADIENTS_ADD, three, rules);
        Program last = TrainStepProgram.build(TrainStepProgram.Kind.STEP_ACCUMULATED, three, rules);
        for (Leaf g : last.signature().inputs("grads")) {
            assertEquals(g.sharding(), first.signature().output(g.name()).sharding(), "the first micro-batch's " + g.name());
            assertEquals(g.sharding(), add.signature().output(g.name()).sharding(), "a middle micro-batch's " + g.name());
            assertEquals(g.sharding(), add.signature().input(g.name()).sharding(), g.name());
        }
        Map<String, Sharding> state = StepRunner.stateShardings(List.of(first.signature(), add.signature(), last.signature()));
        assertTrue(state.keySet().stream().noneMatch(k -> k.equals("tokens")), "the batch is not state");
    }

    @Test
    void anUnshardedStateIsDeviceZerosWhole() throws Exception {
        MonetConfig config = tiny();
        TrainState s = state(config);
        try (PjrtBackend b = PjrtBackend.open(FakePlugin.withDevices(2), ClientOptions.none()); DeviceState d = DeviceState.upload(b, s)) {
            assertNull(d.sharding("step"));
            assertEquals(List.of(0), List.copyOf(d.localBlocks().keySet()));
            assertTrue(d.localBlocks().get(0).get("v.model.norm.weight").contentEquals(s.v().get("model.norm.weight")));
        }
    }

    /**
     * A program over the state leaves that returns them as they came (the fake plugin runs only such programs),
     * taking the token batch and returning it as {@code tokens_out}, and reporting the batch scalar {@code probe}.
     */
    private static Program identityStep(TrainState s, Map<String, Sharding> shardings, LogicalAxisRules rules) {
        ProgramBuilder pb = new ProgramBuilder("identity_step").onMesh(rules.mesh());
        Map<String, Tensor> in = new LinkedHashMap<>();
        s.params().forEach((k, t) -> in.put(k, pb.input("params", k, t.type(), shardings.get(k), true)));
        s.m().forEach((k, t) -> in.put("m." + k, pb.input("m", "m." + k, t.type(), shardings.get("m." + k), true)));
        in.put("step", pb.input("step", "step", TensorType.of(DType.S32), shardings.get("step"), true));
        TensorType tokenType = TensorType.of(DType.S32, MICRO, SEQ + 1);
        Tensor tokens = pb.input("batch", "tokens", tokenType, rules.sharding("tokens", TrainStepProgram.TOKEN_AXES, tokenType.shape()), false);
        Tensor probe = pb.input("batch", "probe", TensorType.of(DType.F32), null, false);
        in.forEach((k, t) -> pb.output(k.startsWith("m.") ? "m" : k.equals("step") ? "step" : "params", k, t));
        pb.output("batch_out", "tokens_out", tokens);
        pb.metric("probe", probe, MetricCombine.MEAN);
        return pb.build();
    }

    @Test
    void aShardedProgramRunsOnTheStateWithPerDeviceDonation() throws Exception {
        MonetConfig config = tiny();
        TrainState s = state(config);
        LogicalAxisRules rules = rules(new int[] {2, 2, 1, 1});
        Program step = TrainStepProgram.build(TrainStepProgram.Kind.STEP, settings(config), rules);
        Map<String, Sharding> shardings = StepRunner.stateShardings(List.of(step.signature()));
        Path lib = FakePlugin.withDevices(4);
        Program p = identityStep(s, shardings, rules);
        int[] rows = new int[MICRO * (SEQ + 1)];
        for (int i = 0; i < rows.length; i++) rows[i] = i;
        HostTensor tokens = HostTensor.of(Shape.of(MICRO, SEQ + 1), rows);
        try (PjrtBackend b = PjrtBackend.open(lib, ClientOptions.none());
             DeviceState d = DeviceState.upload(b, s, shardings);
             CompiledProgram exe = b.compile(p)) {
            Map<String, DeviceBuffer> batch = LossMaskInputs.put(b, List.of(new TokenBatch(tokens, null)), false, p.signature()).getFirst();
            ShardedArray t = assertInstanceOf(ShardedArray.class, batch.get("tokens"));
            for (int dev = 0; dev < 4; dev++) {
                assertEquals(dev * (SEQ + 1), b.client().get(t.shards().get(dev)).ints()[0], "the batch over (data, fsdp): device " + dev + " holds row " + dev);
            }
            batch.put("probe", b.put(HostTensor.scalar(0.75f), p.signature().input("probe").sharding()));
            long donated = FakePlugin.stat(lib, "donated");
            long donors = p.signature().inputs().stream().filter(Leaf::donated).count();
            var report = d.run(exe, batch);
            assertEquals(donated + 4 * donors, FakePlugin.stat(lib, "donated"), "every donated leaf is given up on each of the 4 devices");
            assertFalse(batch.get("tokens").isDeleted(), "the batch is not donated");
            assertEquals(0.75, report.values().get("probe"), "the replicated metric, read from one device");
            assertEquals(8, d.step(), "the step result advanced the counter");
            assertSameState(new TrainState(s.params(), s.buffers(), s.m(), s.v(), 8), d.download(), "the state the program returned, gathered");
            assertEquals(List.of(0, 1), List.copyOf(d.localBlocks().keySet()), "the state is replicated over data: devices 2 and 3 hold replicas, not read");
            batch.values().forEach(DeviceBuffer::close);
        }
    }
}
