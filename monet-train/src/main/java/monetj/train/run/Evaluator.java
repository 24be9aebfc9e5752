package monetj.train.run;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Map;
import monetj.core.backend.Backend;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.data.iter.BatchLayout;
import monetj.data.iter.PrefetchingBatchIterator;
import monetj.train.config.RunConfig;
import monetj.train.step.StepMetrics;
import monetj.train.step.TrainStepProgram;
import monetj.train.step.TrainStepProgram.Kind;

/**
 * Validation: the eval-mode LM loss averaged over the first {@code train.eval_batches} batches of
 * {@code data.validation} (the same ones each time). The eval program is compiled on first use.
 */
final class Evaluator implements AutoCloseable {
    private final Backend backend;
    private final RunConfig rc;
    private final TrainStepProgram.Settings settings;
    private final int vocab;
    private CompiledProgram program;

    Evaluator(Backend backend, RunConfig rc, TrainStepProgram.Settings settings, int vocab) {
        this.backend = backend;
        this.rc = rc;
        this.settings = settings;
        this.vocab = vocab;
    }

    /** True when step {@code step} of the run is one to evaluate at. */
    boolean due(long step) {
        return rc.train().evalEvery() > 0 && rc.data().validation() != null && (step % rc.train().evalEvery() == 0 || step == rc.train().steps());
    }

    double evaluate(DeviceState device) throws IOException {
        if (program == null) program = backend.compile(TrainStepProgram.build(Kind.EVAL, settings));
        BatchLayout layout = new BatchLayout(settings.microBatch(), settings.seqLen(), rc.data().seed(), false, 0, 1);
        var reports = new ArrayList<StepMetrics.Report>();
        try (PrefetchingBatchIterator source = TrainingData.open(rc.data().validation(), rc.data(), layout, null, vocab, "data.validation")) {
            for (int i = 0; i < rc.train().evalBatches(); i++) {
                try (DeviceBuffer tokens = backend.put(source.next().tokens())) {
                    reports.add(device.run(program, Map.of("tokens", tokens)));
                }
            }
        }
        return StepMetrics.combine(reports).get("lm_loss");
    }

    @Override
    public void close() {
        if (program != null) program.close();
        program = null;
    }
}
