package monetj.train.step;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.core.exec.JavaExecutor;
import monetj.core.ir.OptimizationBarrier;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.model.Remat;
import monetj.core.nn.Precision;
import monetj.core.program.Program;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.train.optim.AdamW;
import monetj.train.optim.LearningRateSchedule;
import org.junit.jupiter.api.Test;

/**
 * {@code train.remat: layer} recomputes each decoder layer in the backward pass: on the demo model (4 layers) the
 * Java executor gives bitwise the same losses and state over 6 steps as without it, and holds fewer bytes at
 * its peak.
 */
class RematerialisationTest {
    private static final int MICRO = 8, SEQ = 64, STEPS = 6;

    private static Program step(MonetConfig model, Remat remat) {
        var s = new TrainStepProgram.Settings(model, MICRO, SEQ, 1, Precision.F32, remat, new AdamW(0.9, 0.95, 1e-8, 0.1), 1.0,
                new LearningRateSchedule(3e-3, 2, 10, "cosine", 0.1), 1e-3, 1e-3);
        return TrainStepProgram.build(TrainStepProgram.Kind.STEP, s);
    }

    /** What {@code STEPS} steps gave: the loss of each, the final state, and the step program's peak live bytes. */
    private record Run(double[] losses, Map<String, HostTensor> state, long peakBytes) {}

    private static Run train(MonetConfig model, Remat remat) {
        JavaExecutor exec = new JavaExecutor();
        TrainState fresh = TrainState.fresh(model, new MonetModel(model).init(0).asMap());
        Map<String, DeviceBuffer> state = new LinkedHashMap<>();
        fresh.leaves().forEach((k, t) -> state.put(k, exec.put(t)));
        state.put("step", exec.put(HostTensor.scalar(0)));
        Random rnd = new Random(11);
        double[] losses = new double[STEPS];
        long peak = 0;
        try (CompiledProgram p = exec.compile(step(model, remat))) {
            for (int s = 0; s < STEPS; s++) {
                int[] ids = new int[MICRO * (SEQ + 1)];
                for (int i = 0; i < ids.length; i++) ids[i] = rnd.nextInt(model.vocabSize());
                Map<String, DeviceBuffer> args = new LinkedHashMap<>(state);
                args.put("tokens", exec.put(HostTensor.of(Shape.of(MICRO, SEQ + 1), ids)));
                Map<String, DeviceBuffer> out = p.run(args);
                losses[s] = exec.get(out.get("loss")).getDouble(0);
                for (String k : state.keySet()) state.put(k, out.get(k));
                peak = p.peakLiveBytes().orElseThrow();
            }
        }
        Map<String, HostTensor> host = new LinkedHashMap<>();
        state.forEach((k, b) -> host.put(k, exec.get(b)));
        return new Run(losses, host, peak);
    }

    @Test
    void layerRematGivesTheSameStepsInLessMemory() throws Exception {
        MonetConfig model = MonetConfig.read(Path.of("../configs/models/demo-vd.json"));
        assertTrue(model.numHiddenLayers() >= 4);
        Run kept = train(model, Remat.NONE), recomputed = train(model, Remat.LAYER);
        assertArrayEquals(kept.losses(), recomputed.losses(), "losses bitwise identical");
        for (String k : kept.state().keySet()) assertTrue(kept.state().get(k).contentEquals(recomputed.state().get(k)), k + " after " + STEPS + " steps");
        System.err.printf("peak live bytes of one demo step (batch %d x %d): remat none %,d, layer %,d (%.0f%%); losses %s%n", MICRO, SEQ,
                kept.peakBytes(), recomputed.peakBytes(), 100.0 * recomputed.peakBytes() / kept.peakBytes(), java.util.Arrays.toString(kept.losses()));
        assertTrue(recomputed.peakBytes() < kept.peakBytes(), "remat " + recomputed.peakBytes() + " vs " + kept.peakBytes());
    }

    @Test
    void recomputationIsPinnedByABarrierPerLayer() throws Exception {
        MonetConfig model = MonetConfig.read(Path.of("../configs/models/tiny-vd.json"));
        long none = step(model, Remat.NONE).graph().liveNodes().stream().filter(n -> n.op() instanceof OptimizationBarrier).count();
        long layer = step(model, Remat.LAYER).graph().liveNodes().stream().filter(n -> n.op() instanceof OptimizationBarrier).count();
        assertEquals(0, none);
        assertEquals(model.numHiddenLayers(), layer);
    }
}
