package monetj.train.run;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import monetj.core.backend.Backend;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.core.ir.LogicalAxisRules;
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
    private final LogicalAxisRules rules;
    private CompiledProgram program;

    /** Evaluates with the eval program sharded over the mesh of {@code rules} (null: unsharded), as the step programs are. */
    Evaluator(Backend backend, RunConfig rc, TrainStepProgram.Settings settings, int vocab, LogicalAxisRules rules) {
        this.backend = backend;
        this.rc = rc;
        this.settings = settings;
        this.vocab = vocab;
        this.rules = rules;
    }

    /** True when step {@code step} of the run is one to evaluate at. */
    boolean due(long step) {
        return rc.train().evalEvery() > 0 && rc.data().validation() != null && (step % rc.train().evalEvery() == 0 || step == rc.train().steps());
    }

    double evaluate(DeviceState device) throws IOException {
        if (program == null) program = backend.compile(TrainStepProgram.build(Kind.EVAL, settings, rules));
        BatchLayout layout = new BatchLayout(settings.microBatch(), settings.seqLen(), rc.data().seed(), false, 0, 1);
        var reports = new ArrayList<StepMetrics.Report>();
        try (PrefetchingBatchIterator source = TrainingData.open(rc.data().validation(), rc.data(), layout, null, vocab, "data.validation")) {
            for (int i = 0; i < rc.train().evalBatches(); i++) {
                Map<String, DeviceBuffer> leaves = LossMaskInputs.put(backend, List.of(source.next()), settings.maskedLoss(), program.signature()).getFirst();
                try {
                    reports.add(device.run(program, leaves));
                } finally {
                    leaves.values().forEach(DeviceBuffer::close);
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
