package monetj.train.run;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import monetj.core.backend.Backend;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.ir.Sharding;
import monetj.core.program.Leaf;
import monetj.core.program.Signature;
import monetj.data.iter.PrefetchingBatchIterator;
import monetj.data.iter.TokenBatch;
import monetj.train.step.StepMetrics;
import monetj.train.step.TrainStepProgram;
import monetj.train.step.TrainStepProgram.Kind;

/**
 * One optimizer step over {@code accumulation} micro-batches: the step program alone, or gradient programs
 * for the earlier micro-batches and the accumulating step program for the last. Compiled once per run, sharded
 * over the mesh of {@code rules} (null: unsharded); each micro-batch is put laid out as the programs take it.
 */
final class StepRunner implements AutoCloseable {
    private final int accumulation;
    private final boolean maskedLoss;
    private final StepBatchLeaves batchLeaves;
    private final Map<Kind, CompiledProgram> programs = new EnumMap<>(Kind.class);

    StepRunner(Backend backend, TrainStepProgram.Settings settings) { this(backend, settings, null); }

    StepRunner(Backend backend, TrainStepProgram.Settings settings, LogicalAxisRules rules) {
        this(backend, settings, rules, StepBatchLeaves.whole(backend, settings.microBatch()));
    }

    /** As above, each micro-batch put as {@code batchLeaves} says (this process's rows, or all of them). */
    StepRunner(Backend backend, TrainStepProgram.Settings settings, LogicalAxisRules rules, StepBatchLeaves batchLeaves) {
        this.accumulation = settings.accumulation();
        this.maskedLoss = settings.maskedLoss();
        this.batchLeaves = batchLeaves;
        try {
            for (Kind k : kinds(accumulation)) programs.put(k, backend.compile(TrainStepProgram.build(k, settings, rules)));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** How the programs take each state leaf (every argument outside the batch that has a sharding), by name. */
    Map<String, Sharding> stateShardings() { return stateShardings(programs.values().stream().map(CompiledProgram::signature).toList()); }

    static Map<String, Sharding> stateShardings(List<Signature> signatures) {
        Map<String, Sharding> out = new java.util.LinkedHashMap<>();
        for (Signature s : signatures) {
            for (Leaf l : s.inputs()) if (!l.group().equals("batch") && l.sharding() != null) out.put(l.name(), l.sharding());
        }
        return out;
    }

    private static List<Kind> kinds(int accumulation) {
        return accumulation == 1 ? List.of(Kind.STEP)
                : accumulation == 2 ? List.of(Kind.GRADIENTS_FIRST, Kind.STEP_ACCUMULATED)
                : List.of(Kind.GRADIENTS_FIRST, Kind.GRADIENTS_ADD, Kind.STEP_ACCUMULATED);
    }

    /** What one step reported, and the seconds it waited for data out of the seconds it took. */
    record Result(StepMetrics metrics, double seconds, double dataWaitSeconds) {}

    Result step(DeviceState device, PrefetchingBatchIterator batches) throws IOException {
        long t0 = System.nanoTime();
        double dataWait = 0;
        List<StepMetrics.Report> micros = new ArrayList<>();
        // All of a step's micro-batches are taken first: a masked loss is normalised by the whole step's targets.
        List<TokenBatch> taken = new ArrayList<>();
        for (int a = 0; a < accumulation; a++) {
            long w0 = System.nanoTime();
            taken.add(batches.next());
            dataWait += (System.nanoTime() - w0) / 1e9;
        }
        List<Map<String, DeviceBuffer>> leaves = batchLeaves.put(taken, maskedLoss, programs.values().iterator().next().signature(), device.step() + 1);
        try {
            for (int a = 0; a < accumulation; a++) {
                Kind kind = accumulation == 1 ? Kind.STEP : a == 0 ? Kind.GRADIENTS_FIRST : a < accumulation - 1 ? Kind.GRADIENTS_ADD : Kind.STEP_ACCUMULATED;
                micros.add(device.run(programs.get(kind), leaves.get(a)));
            }
        } finally {
            leaves.forEach(m -> m.values().forEach(DeviceBuffer::close));
        }
        return new Result(StepMetrics.combine(micros), (System.nanoTime() - t0) / 1e9, dataWait);
    }

    @Override
    public void close() { programs.values().forEach(CompiledProgram::close); }
}
