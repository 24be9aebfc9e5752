package monetj.train.run;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import monetj.core.backend.Backend;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.core.ir.LogicalAxisRules;
import monetj.data.iter.BatchLayout;
import monetj.data.iter.PrefetchingBatchIterator;
import monetj.data.iter.TokenBatch;
import monetj.train.config.RunConfig;
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
    private final PrintStream console;
    private boolean warnedNoTargets;

    /** Evaluates with the eval program sharded over the mesh of {@code rules} (null: unsharded), as the step programs are. */
    Evaluator(Backend backend, RunConfig rc, TrainStepProgram.Settings settings, int vocab, LogicalAxisRules rules, PrintStream console) {
        this.console = console;
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

    /**
     * The validation loss, or null where the loss is masked and the validation batches keep no target at all
     * (said once on the console): a loss over no target is no measurement, not 0. A masked loss is the mean over every
     * kept target of the batches, each batch weighted by its kept targets, as the step weighs its micro-batches.
     */
    Double evaluate(DeviceState device) throws IOException {
        if (program == null) program = backend.compile(TrainStepProgram.build(Kind.EVAL, settings, rules));
        BatchLayout layout = new BatchLayout(settings.microBatch(), settings.seqLen(), rc.data().seed(), false, 0, 1);
        double weighted = 0, weights = 0;
        try (PrefetchingBatchIterator source = TrainingData.open(rc.data().validation(), rc.data(), layout, null, vocab, "data.validation")) {
            for (int i = 0; i < rc.train().evalBatches(); i++) {
                TokenBatch batch = source.next();
                long kept = settings.maskedLoss() ? LossMaskInputs.keptTargets(List.of(batch)) : 0;
                Map<String, DeviceBuffer> leaves = LossMaskInputs.put(backend, List.of(batch), settings.maskedLoss(), kept, program.signature(), 0).getFirst();
                double weight = settings.maskedLoss() ? kept : 1;
                try {
                    weighted += weight * device.run(program, leaves).values().get("lm_loss");
                    weights += weight;
                } finally {
                    leaves.values().forEach(DeviceBuffer::close);
                }
            }
        }
        if (weights == 0) {
            if (!warnedNoTargets) {
                console.println("data.validation (" + rc.data().validation() + "): its first " + rc.train().evalBatches()
                        + " batches keep no target under the loss mask, so no validation loss is recorded; raise train.eval_batches");
            }
            warnedNoTargets = true;
            return null;
        }
        return weighted / weights;
    }

    @Override
    public void close() {
        if (program != null) program.close();
        program = null;
    }
}
