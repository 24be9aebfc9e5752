package monetj.train.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import monetj.core.backend.Backend;
import monetj.core.dist.ProcessGroup;
import monetj.core.dist.RunStop;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.data.iter.BatchLayout;
import monetj.data.iter.IteratorState;
import monetj.data.iter.PrefetchingBatchIterator;
import monetj.train.checkpoint.CheckpointLayout;
import monetj.train.checkpoint.CheckpointStore;
import monetj.train.checkpoint.TrainCheckpoint;
import monetj.train.config.RunConfig;
import monetj.train.metrics.MetricsLog;
import monetj.train.step.StepMetrics;
import monetj.train.step.TrainState;
import monetj.train.step.TrainStepProgram;

/**
 * Runs a training job: builds the step programs, keeps the state on the backend between steps (donated to
 * each step, returned updated), feeds batches from a prefetching iterator, logs metrics, evaluates,
 * checkpoints periodically, at the end and when interrupted, and stops on a non-finite loss keeping the last
 * good checkpoint. On the Java executor a resumed run reproduces the uninterrupted run's losses exactly.
 */
public final class Trainer {

    private final RunConfig rc;
    private final JsonNode resolvedConfig;
    private final MonetConfig model;
    private final Path runDir;
    private final Backend backend;
    private final PrintStream console;
    private final ProcessGroup processes;
    private final Double peakFlops;
    private final RunStop stop;

    public Trainer(RunConfig rc, JsonNode resolvedConfig, MonetConfig model, Path runDir, Backend backend, PrintStream console) {
        this(rc, resolvedConfig, model, runDir, backend, console, ProcessGroup.single());
    }

    /** A trainer that is one of {@code processes} (one per host), each driving its local devices. */
    public Trainer(RunConfig rc, JsonNode resolvedConfig, MonetConfig model, Path runDir, Backend backend, PrintStream console, ProcessGroup processes) {
        this.rc = rc;
        this.resolvedConfig = resolvedConfig;
        this.model = model;
        this.runDir = runDir;
        this.backend = backend;
        this.console = console;
        this.processes = processes;
        this.peakFlops = PeakFlops.of(backend);
        this.stop = new RunStop(processes, TrainCheckpoint.BARRIER_TIMEOUT);
    }

    /** Asks the loop to checkpoint and stop after the current step, every process after the same one (signal handlers call this). */
    public void interrupt(int signal) { stop.request(signal); }

    /** The signal the run stopped for (0 when it did not): on every process the same. */
    public int stopSignal() { return stop.signal(); }

    /** How a run ended. */
    public record Outcome(long step, boolean finished, Path lastCheckpoint) {}

    /**
     * Where a run starts: the state (null: made on the backend by the init program) or, resuming, the checkpoint's as
     * the backend will hold it, the data iterator's position (null: the beginning) and the checkpoint it came from.
     */
    private record Start(TrainState state, ResumePoint resume, IteratorState dataState, Path checkpoint) {
        long step() { return resume != null ? resume.step() : state == null ? 0 : state.step(); }
    }

    public Outcome run(boolean resume) throws IOException {
        createRunDir();
        try (RunDirectoryLock lock = RunDirectoryLock.acquire(runDir, processes)) {
            return train(resume);
        }
    }

    private Outcome train(boolean resume) throws IOException {
        CheckpointStore store = new CheckpointStore(runDir, rc.checkpoint().keep());
        // The step of the global micro-batch, whatever the process count; StepBatchLeaves says which rows each process puts.
        TrainStepProgram.Settings settings = TrainStepProgram.Settings.of(rc, model, Backends.precision(rc, backend), TrainingData.hasLossMask(rc.data().train()));
        StepBatchLeaves batchLeaves = StepBatchLeaves.of(backend, processes, settings.microBatch());
        // The programs are sharded over the backend's devices (TrainingMesh; on PJRT every process's); on the Java executor
        // a larger fixed mesh is logical (same values, checkpoints written as that many shards), and with several processes
        // each is one device of the checkpoint's mesh.
        var mesh = TrainingMesh.rules(rc, backend);
        int devicesPerProcess = batchLeaves.ownRows() ? backend.deviceCount() / processes.processCount() : backend.deviceCount();
        CheckpointLayout shards = CheckpointLayout.of(rc.mesh(), model, settings.frozen(), processes,
                CheckpointLayout.meshDevices(rc.mesh(), processes.processCount(), devicesPerProcess));
        Start start = start(store, resume, settings, shards);
        ProcessPart.started(processes);
        Path lastCheckpoint = start.checkpoint();
        int seq = rc.data().seqLen();
        if (seq > model.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("data.seq_len " + seq + " exceeds the model's max_position_embeddings " + model.maxPositionEmbeddings());
        }
        if (processes.processCount() > 1) console.println(batchLeaves.describe());
        BatchLayout layout = batchLeaves.layout(seq, rc.data().seed());
        CheckpointPolicy checkpoints = new CheckpointPolicy(rc.checkpoint().every(), rc.train().steps());

        try (StepRunner steps = new StepRunner(backend, settings, mesh, batchLeaves);
             Evaluator evaluator = new Evaluator(backend, rc, settings, model.vocabSize(), mesh, console);
             PrefetchingBatchIterator batches = TrainingData.open(rc.data().train(), rc.data(), layout, start.dataState(), model.vocabSize(), "data.train");
             MetricsLog metrics = ProcessPart.metrics(runDir, start.step(), processes);
             DeviceState device = start.resume() != null ? start.resume().upload(backend, model, steps.stateShardings())
                     : start.state() == null ? FreshStart.initialise(backend, settings, mesh, rc.train().seed())
                     : DeviceState.upload(backend, start.state(), steps.stateShardings())) {
            ProgressLine progress = new ProgressLine(console, rc.train().steps(), rc.train().logEvery());
            long startStep = start.step();
            while (device.step() < rc.train().steps()) {
                StepRunner.Result r = steps.step(device, batches);
                StepMetrics m = r.metrics();
                long step = device.step();
                if (!Double.isFinite(m.get("loss")) || !Double.isFinite(m.get("grad_norm"))) {
                    progress.finish();
                    throw new NonFiniteLossException(step, m.get("loss"), store.latest().orElse(null));
                }
                Map<String, Object> record = record(step, r);
                Double valLoss = evaluator.due(step) ? evaluator.evaluate(device) : null;
                if (valLoss != null) record.put("val_loss", valLoss);
                metrics.write(record);
                progress.update(step, m, (Double) record.get("tokens_per_s"), (Double) record.get("val_loss"));
                boolean stopping = stop.stopsAfter(step, rc.train().steps()); // a stop asked of any process, or another's failure
                if (checkpoints.due(step, stopping)) {
                    lastCheckpoint = save(store, shards, device, batches.state(), step); // every process: each writes its shards
                    if (stop.stopsAfterSave(step)) {
                        progress.finish();
                        console.printf("interrupted: checkpoint %s written at step %d; continue with --resume%n", lastCheckpoint, step);
                        return new Outcome(step, false, lastCheckpoint);
                    }
                }
            }
            progress.finish();
            if (stop.stoppedAtEnd()) { // another process was asked to stop at the last step
                console.printf("interrupted: checkpoint %s written at step %d; continue with --resume%n", lastCheckpoint, device.step());
                return new Outcome(device.step(), false, lastCheckpoint);
            }
            if (startStep == rc.train().steps()) console.printf("run already complete at step %d%n", startStep);
            return new Outcome(device.step(), true, lastCheckpoint != null ? lastCheckpoint : store.latest().orElse(null));
        }
    }

    /**
     * The latest checkpoint's state with --resume (train.init_from is not read again), else fresh moments and the
     * weights of train.init_from, or no host state at all for a random initialisation, which the init program makes on
     * the backend (refusing a directory that already holds checkpoints).
     */
    private Start start(CheckpointStore store, boolean resume, TrainStepProgram.Settings settings, CheckpointLayout shards) throws IOException {
        TrainState state = null;
        ResumePoint from = null;
        IteratorState dataState = null;
        Path lastCheckpoint = null;
        if (resume) {
            from = ResumePoint.read(store, backend, shards, model, settings.frozen(), processes, console);
            lastCheckpoint = from.dir();
            dataState = from.dataState();
            if (from.step() > rc.train().steps()) {
                throw new IllegalArgumentException("--resume: the latest checkpoint is at step " + from.step() + ", past train.steps = "
                        + rc.train().steps() + " (train.steps is the run's total; raise it to train further)");
            }
            ScheduleHorizon.check(rc, from.runConfig(), from.step(), console);
            console.printf("resuming %s from %s (step %d)%n", runDir, lastCheckpoint, from.step());
        } else {
            if (store.latest().isPresent()) {
                throw new IllegalStateException(runDir + " already holds checkpoints; pass --resume to continue it or choose another --run-dir");
            }
            String initFrom = rc.train().initFrom();
            if (initFrom != null) console.printf("starting from the weights of %s (fresh optimizer state)%n", initFrom);
            if (!settings.frozen().isEmpty()) console.printf("frozen: %d of %d trainable parameters (train.freeze)%n", settings.frozen().size(), new MonetModel(model).parameters().size());
            state = initFrom == null ? null : TrainState.fresh(model, InitialWeights.read(Path.of(initFrom), model), settings.frozen());
        }
        if (processes.isCoordinator()) ResolvedConfigHistory.record(runDir, resolvedConfig, console);
        return new Start(state, from, dataState, lastCheckpoint);
    }

    /** One metrics.jsonl line: the step's named metrics, then throughput and where the time went. */
    private Map<String, Object> record(long step, StepRunner.Result r) {
        long tokens = (long) rc.train().batchSize() * rc.data().seqLen();
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("step", step);
        record.putAll(r.metrics().values());
        record.put("tokens_per_s", tokens / r.seconds());
        record.put("step_s", r.seconds());
        record.put("data_wait_s", r.dataWaitSeconds());
        record.put("compute_s", r.seconds() - r.dataWaitSeconds());
        if (peakFlops != null) record.put("mfu", FlopCount.trainingFlopsPerToken(model, rc.data().seqLen()) * tokens / r.seconds() / peakFlops);
        return record;
    }

    private Path save(CheckpointStore store, CheckpointLayout layout, DeviceState device, IteratorState dataState, long step) throws IOException {
        if (layout.sharded()) {
            return TrainCheckpoint.saveSharded(store, step, layout, device.localBlocks(layout), model, dataState, resolvedConfig, rc.train().seed(), TrainCheckpoint.BARRIER_TIMEOUT);
        }
        TrainState host = device.download();
        return store.save(step, dir -> TrainCheckpoint.write(dir, host, model, dataState, resolvedConfig, rc.train().seed()));
    }

    private void createRunDir() throws IOException {
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new IOException("cannot create run directory " + runDir + ": " + e.getMessage(), e);
        }
        if (!Files.isWritable(runDir)) throw new IOException("run directory " + runDir + " is not writable");
    }
}
