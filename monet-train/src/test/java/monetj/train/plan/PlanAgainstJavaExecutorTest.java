package monetj.train.plan;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import monetj.core.model.MonetConfig;
import monetj.train.bench.StepBenchmark;
import monetj.train.config.RunConfig;
import monetj.train.config.RunConfigLoader;
import monetj.train.run.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The activation count against a measurement: the Java executor's peak live bytes of one training step, with and
 * without remat, on models where activations dominate. What remat saves is what the plan says it saves (within 5%),
 * and the plan's total is an upper bound that is not far off (the executor frees dead values as soon as they die).
 */
class PlanAgainstJavaExecutorTest {
    @TempDir
    Path tmp;

    private long measuredPeak(Path config, String remat) throws Exception {
        RunConfig rc = RunConfigLoader.load(config, java.util.List.of("train.remat=" + remat));
        MonetConfig model = RunConfigLoader.modelConfig(rc, config);
        try (StepBenchmark step = new StepBenchmark("java", Backends.create("java", null, null), rc, model)) {
            step.step(false);
            return step.result().peakLiveBytes().orElseThrow();
        }
    }

    private TrainingPlan plan(Path config, String remat) throws Exception {
        RunConfig rc = RunConfigLoader.load(config, java.util.List.of("train.remat=" + remat));
        return TrainingPlan.of(rc, RunConfigLoader.modelConfig(rc, config), Hardware.named("h100"), 1, 0.4);
    }

    @Test
    void rematSavesWhatThePlanSaysOnTheJavaExecutor() throws Exception {
        for (String model : new String[] {"tiny-vd", "tiny-hd"}) {
            Files.copy(Path.of("../configs/models/" + model + ".json"), tmp.resolve(model + ".json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Path config = tmp.resolve(model + ".yaml");
            Files.writeString(config, """
                    model: %s.json
                    data: {train: none, seq_len: 64}
                    train: {batch_size: 4, micro_batch_size: 4, precision: f32}
                    backend: {kind: java}
                    """.formatted(model));
            long none = measuredPeak(config, "none"), layer = measuredPeak(config, "layer");
            TrainingPlan planNone = plan(config, "none"), planLayer = plan(config, "layer");
            long saved = none - layer, planned = planNone.totalBytes() - planLayer.totalBytes();
            assertEquals(saved, planned, 0.05 * saved, model + ": measured " + none + " -> " + layer + ", planned " + planNone.totalBytes() + " -> " + planLayer.totalBytes());
            for (long[] pair : new long[][] {{none, planNone.totalBytes()}, {layer, planLayer.totalBytes()}}) {
                assertTrue(pair[1] >= pair[0] && pair[1] <= 1.3 * pair[0], model + ": plan " + pair[1] + " against measured " + pair[0]);
            }
        }
    }
}
