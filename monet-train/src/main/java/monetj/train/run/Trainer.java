package monetj.train.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import monetj.core.backend.Backend;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.tensor.HostTensor;
import monetj.data.iter.BatchLayout;
import monetj.data.iter.IteratorState;
import monetj.data.iter.PrefetchingBatchIterator;
import monetj.data.iter.TokenBatch;
import monetj.train.checkpoint.CheckpointStore;
import monetj.train.checkpoint.TrainCheckpoint;
import monetj.train.config.RunConfig;
import monetj.train.metrics.MetricsLog;
import monetj.train.optim.AdamW;
import monetj.train.optim.LearningRateSchedule;
import monetj.train.step.StepMetrics;
import monetj.train.step.TrainState;
import monetj.train.step.TrainStepProgram;
import monetj.train.step.TrainStepProgram.Kind;

/**
 * Runs a training job: builds the step programs, keeps the state on the backend between steps (donated to
 * each step, returned updated), feeds batches from a prefetching iterator, logs metrics, evaluates,
 * checkpoints periodically, at the end and when interrupted, and stops on a non-finite loss keeping the last
 * good checkpoint. On the Java executor a resumed run reproduces the uninterrupted run's losses exactly.
 */
public final class Trainer {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final RunConfig rc;
    private final JsonNode resolvedConfig;
    private final MonetConfig model;
    private final Path runDir;
    private final Backend backend;
    private final PrintStream console;
    private volatile boolean interrupted;

    public Trainer(RunConfig rc, JsonNode resolvedConfig, MonetConfig model, Path runDir, Backend backend, PrintStream console) {
        this.rc = rc;
        this.resolvedConfig = resolvedConfig;
        this.model = model;
        this.runDir = runDir;
        this.backend = backend;
        this.console = console;
    }

    /** Asks the loop to checkpoint and stop after the current step (signal handlers call this). */
    public void interrupt() { interrupted = true; }

    /** How a run ended. */
    public record Outcome(long step, boolean finished, Path lastCheckpoint) {}

    public Outcome run(boolean resume) throws IOException {
        prepareRunDir();
        CheckpointStore store = new CheckpointStore(runDir, rc.checkpoint().keep());
        TrainState state;
        IteratorState dataState = null;
        Path lastCheckpoint = null;
        if (resume) {
            lastCheckpoint = store.latest().orElseThrow(() -> new IllegalStateException("--resume: no checkpoint in " + store.root()));
            TrainCheckpoint.Loaded ck = TrainCheckpoint.read(lastCheckpoint, model);
            state = ck.state();
            dataState = ck.dataState();
            if (state.step() > rc.train().steps()) {
                throw new IllegalArgumentException("--resume: the latest checkpoint is at step " + state.step() + ", past train.steps = "
                        + rc.train().steps() + " (train.steps is the run's total; raise it to train further)");
            }
            console.printf("resuming %s from %s (step %d)%n", runDir, lastCheckpoint, state.step());
        } else {
            if (store.latest().isPresent()) {
                throw new IllegalStateException(runDir + " already holds checkpoints; pass --resume to continue it or choose another --run-dir");
            }
            state = TrainState.fresh(model, new MonetModel(model).init(rc.train().seed()).asMap());
        }
        int micro = rc.train().microBatchSize(), accumulation = rc.train().accumulationSteps(), seq = rc.data().seqLen();
        if (seq > model.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("data.seq_len " + seq + " exceeds the model's max_position_embeddings " + model.maxPositionEmbeddings());
        }
        BatchLayout layout = new BatchLayout(micro, seq, rc.data().seed(), true, 0, 1);
        TrainStepProgram.Settings settings = new TrainStepProgram.Settings(model, micro, seq, accumulation, bf16(),
                new AdamW(rc.optimizer().betas().get(0), rc.optimizer().betas().get(1), rc.optimizer().eps(), rc.optimizer().weightDecay()),
                rc.optimizer().gradClip(), LearningRateSchedule.of(rc), rc.loss().uniformityWeight(), rc.loss().ambiguityWeight());
        Map<Kind, Executable> programs = compile(settings, state, accumulation);
        double flopsPerToken = FlopCount.trainingFlopsPerToken(model, seq);
        Double peakFlops = PeakFlops.of(backend);

        try (PrefetchingBatchIterator batches = TrainingData.open(rc.data().train(), rc.data().tokenizer(), rc.data().eos(), layout, dataState, model.vocabSize(), "data.train");
             MetricsLog metrics = MetricsLog.open(runDir.resolve("metrics.jsonl"), state.step());
             DeviceState device = DeviceState.upload(backend, state)) {
            ProgressLine progress = new ProgressLine(console, rc.train().steps(), rc.train().logEvery());
            long startStep = state.step();
            while (device.step < rc.train().steps()) {
                long t0 = System.nanoTime();
                double dataWait = 0;
                List<double[]> micros = new ArrayList<>();
                List<DeviceBuffer> grads = null;
                for (int a = 0; a < accumulation; a++) {
                    long w0 = System.nanoTime();
                    TokenBatch batch = batches.next();
                    dataWait += (System.nanoTime() - w0) / 1e9;
                    Kind kind = accumulation == 1 ? Kind.STEP : a == 0 ? Kind.GRADIENTS_FIRST : a < accumulation - 1 ? Kind.GRADIENTS_ADD : Kind.STEP_ACCUMULATED;
                    try (DeviceBuffer tokens = backend.put(batch.tokens())) {
                        micros.add(device.run(programs.get(kind), kind, tokens, grads));
                    }
                    grads = device.takeGradients();
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                StepMetrics m = StepMetrics.average(micros);
                long step = device.step;
                if (!Double.isFinite(m.loss()) || !Double.isFinite(m.gradNorm())) {
                    progress.finish();
                    throw new NonFiniteLossException(step, m.loss(), store.latest().orElse(null));
                }
                long tokens = (long) rc.train().batchSize() * seq;
                Map<String, Object> record = new LinkedHashMap<>();
                record.put("step", step);
                record.put("loss", m.loss());
                record.put("lm_loss", m.lmLoss());
                record.put("uniformity", m.uniformity());
                record.put("ambiguity", m.ambiguity());
                record.put("grad_norm", m.gradNorm());
                record.put("lr", m.lr());
                record.put("tokens_per_s", tokens / seconds);
                record.put("step_s", seconds);
                record.put("data_wait_s", dataWait);
                record.put("compute_s", seconds - dataWait);
                if (peakFlops != null) record.put("mfu", flopsPerToken * tokens / seconds / peakFlops);
                record.put("unused_experts", m.unusedExperts());
                record.put("selected_per_head", m.selectedPerHead());
                boolean evalNow = rc.train().evalEvery() > 0 && rc.data().validation() != null && (step % rc.train().evalEvery() == 0 || step == rc.train().steps());
                if (evalNow) record.put("val_loss", evaluate(device, settings, state));
                metrics.write(record);
                progress.update(step, m, tokens / seconds, (Double) record.get("val_loss"));
                boolean periodic = rc.checkpoint().every() > 0 && step % rc.checkpoint().every() == 0;
                if (periodic || step == rc.train().steps() || interrupted) {
                    lastCheckpoint = save(store, device, batches.state(), step);
                    if (interrupted) {
                        progress.finish();
                        console.printf("interrupted: checkpoint %s written at step %d; continue with --resume%n", lastCheckpoint, step);
                        return new Outcome(step, false, lastCheckpoint);
                    }
                }
            }
            progress.finish();
            if (startStep == rc.train().steps()) console.printf("run already complete at step %d%n", startStep);
            return new Outcome(device.step, true, lastCheckpoint != null ? lastCheckpoint : store.latest().orElse(null));
        } finally {
            programs.values().forEach(Executable::close);
            if (evalProgram != null) evalProgram.close();
            evalProgram = null;
        }
    }

    private boolean bf16() {
        return switch (rc.train().precision()) {
            case "bf16-mixed" -> true;
            case "f32" -> false;
            default -> !List.of("java", "xla-cpu").contains(backend.platform()); // auto: bf16 matmuls on accelerators, f32 on CPUs
        };
    }

    private Map<Kind, Executable> compile(TrainStepProgram.Settings s, TrainState state, int accumulation) {
        Map<Kind, Executable> p = new EnumMap<>(Kind.class);
        List<Kind> kinds = accumulation == 1 ? List.of(Kind.STEP)
                : accumulation == 2 ? List.of(Kind.GRADIENTS_FIRST, Kind.STEP_ACCUMULATED)
                : List.of(Kind.GRADIENTS_FIRST, Kind.GRADIENTS_ADD, Kind.STEP_ACCUMULATED);
        for (Kind k : kinds) p.put(k, backend.compile(TrainStepProgram.build(k, s, state)));
        return p;
    }

    private Executable evalProgram;

    /** Mean eval-mode LM loss over the first {@code eval_batches} batches of the validation data (the same ones each time). */
    private Double evaluate(DeviceState device, TrainStepProgram.Settings s, TrainState template) throws IOException {
        BatchLayout layout = new BatchLayout(s.microBatch(), s.seqLen(), rc.data().seed(), false, 0, 1);
        if (evalProgram == null) evalProgram = backend.compile(TrainStepProgram.build(Kind.EVAL, s, template));
        Executable eval = evalProgram;
        double sum = 0;
        try (PrefetchingBatchIterator source = TrainingData.open(rc.data().validation(), rc.data().tokenizer(), rc.data().eos(), layout, null, model.vocabSize(), "data.validation")) {
            for (int i = 0; i < rc.train().evalBatches(); i++) {
                try (DeviceBuffer tokens = backend.put(source.next().tokens())) {
                    List<DeviceBuffer> args = new ArrayList<>(device.params);
                    args.addAll(device.buffers);
                    args.add(tokens);
                    List<DeviceBuffer> out = eval.execute(args);
                    sum += backend.get(out.get(0)).getDouble(0);
                    out.forEach(DeviceBuffer::close);
                }
            }
        }
        return sum / rc.train().evalBatches();
    }

    private Path save(CheckpointStore store, DeviceState device, IteratorState dataState, long step) throws IOException {
        TrainState host = device.download();
        return store.save(step, dir -> TrainCheckpoint.write(dir, host, model, dataState, resolvedConfig, rc.train().seed()));
    }

    private void prepareRunDir() throws IOException {
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new IOException("cannot create run directory " + runDir + ": " + e.getMessage(), e);
        }
        if (!Files.isWritable(runDir)) throw new IOException("run directory " + runDir + " is not writable");
        // The run config as given (with --set applied) and its model written out in full, see RunConfigLoader.resolve.
        Files.writeString(runDir.resolve("config.resolved.json"), JSON.writeValueAsString(resolvedConfig) + "\n");
    }

    /** The state's buffers on the backend, replaced by each program's results; closing releases them. */
    private static final class DeviceState implements AutoCloseable {
        List<DeviceBuffer> params, buffers, m, v;
        DeviceBuffer counter;
        List<DeviceBuffer> pendingGrads;
        long step;
        final List<String> paramNames, bufferNames;
        final Backend backend;

        private DeviceState(Backend backend, List<String> paramNames, List<String> bufferNames) {
            this.backend = backend;
            this.paramNames = paramNames;
            this.bufferNames = bufferNames;
        }

        static DeviceState upload(Backend b, TrainState s) {
            DeviceState d = new DeviceState(b, List.copyOf(s.params().keySet()), List.copyOf(s.buffers().keySet()));
            d.params = s.params().values().stream().map(b::put).toList();
            d.buffers = s.buffers().values().stream().map(b::put).toList();
            d.m = s.m().values().stream().map(b::put).toList();
            d.v = s.v().values().stream().map(b::put).toList();
            d.counter = b.put(HostTensor.scalar((int) s.step()));
            d.step = s.step();
            return d;
        }

        /** Runs one program with the current state and returns its metrics; state buffers are donated and replaced. */
        double[] run(Executable exe, Kind kind, DeviceBuffer tokens, List<DeviceBuffer> earlierGrads) {
            boolean step = kind == Kind.STEP || kind == Kind.STEP_ACCUMULATED;
            List<DeviceBuffer> args = new ArrayList<>(params);
            args.addAll(buffers);
            if (step) {
                args.addAll(m);
                args.addAll(v);
                args.add(counter);
            }
            int tokensAt = args.size();
            args.add(tokens);
            if (earlierGrads != null) args.addAll(earlierGrads);
            // Parameters are only read by gradient programs; everything the program returns updated is donated.
            int stateEnd = step ? tokensAt : params.size() + buffers.size();
            int from = step ? 0 : params.size();
            Set<Integer> donated = new java.util.HashSet<>();
            IntStream.range(from, stateEnd).forEach(donated::add);
            if (earlierGrads != null) IntStream.range(tokensAt + 1, args.size()).forEach(donated::add);
            List<DeviceBuffer> out = exe.execute(args, donated);
            int k = 0;
            if (step) {
                params = out.subList(k, k += params.size());
                buffers = out.subList(k, k += buffers.size());
                m = out.subList(k, k += m.size());
                v = out.subList(k, k += v.size());
                counter = out.get(k++);
                this.step++;
                pendingGrads = null;
            } else {
                buffers = out.subList(k, k += buffers.size());
                pendingGrads = out.subList(k, k += params.size());
            }
            DeviceBuffer metricsBuffer = out.get(k);
            double[] metrics = backend.get(metricsBuffer).doubles();
            metricsBuffer.close();
            return metrics;
        }

        List<DeviceBuffer> takeGradients() { return pendingGrads; }

        @Override
        public void close() {
            for (List<DeviceBuffer> group : List.of(params, buffers, m, v)) group.forEach(DeviceBuffer::close);
            if (pendingGrads != null) pendingGrads.forEach(DeviceBuffer::close);
            counter.close();
        }

        TrainState download() {
            return new TrainState(named(paramNames, params), named(bufferNames, buffers), named(paramNames, m), named(paramNames, v), step);
        }

        private Map<String, HostTensor> named(List<String> names, List<DeviceBuffer> bufs) {
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) out.put(names.get(i), backend.get(bufs.get(i)));
            return out;
        }
    }
}
