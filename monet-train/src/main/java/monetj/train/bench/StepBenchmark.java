package monetj.train.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import monetj.core.backend.Backend;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.nn.Precision;
import monetj.core.program.Leaf;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.train.config.RunConfig;
import monetj.train.run.Backends;
import monetj.train.run.FlopCount;
import monetj.train.step.TrainState;
import monetj.train.step.TrainStepProgram;

/**
 * Times the STEP program of a run config (forward, backward, AdamW on one micro-batch) on one backend, the way
 * the trainer runs it: the state stays on the backend, is donated to each step and replaced by its results. The
 * batch is fixed random tokens, so only compute is measured; each step ends when its metrics reach the host.
 */
public final class StepBenchmark implements AutoCloseable {
    /** One backend's timings: milliseconds per timed step in the order run, and the executor's peak live bytes. */
    public record Result(String backend, boolean bf16, double[] millis, double[] cpuMillis, OptionalLong peakLiveBytes, double tokensPerStep,
            double flopsPerStep) {
        public double medianMillis() { return percentile(millis, 0.5); }

        /** Median CPU time of the whole process per step (all its threads): steadier than wall time on a busy machine. */
        public double medianCpuMillis() { return percentile(cpuMillis, 0.5); }

        public double minMillis() { return percentile(millis, 0); }

        public double maxMillis() { return percentile(millis, 1); }

        public double tokensPerSecond() { return tokensPerStep / (medianMillis() / 1e3); }

        public double gflopsPerSecond() { return flopsPerStep / (medianMillis() / 1e3) / 1e9; }

        private static double percentile(double[] values, double q) {
            double[] s = values.clone();
            Arrays.sort(s);
            double pos = q * (s.length - 1);
            int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
            return s[lo] + (s[hi] - s[lo]) * (pos - lo);
        }
    }

    private final String name;
    private final Backend backend;
    private final boolean bf16;
    private final CompiledProgram program;
    private final Map<String, DeviceBuffer> state = new LinkedHashMap<>(); // by leaf name, replaced by each step's results
    private final DeviceBuffer tokens;
    private final double tokensPerStep, flopsPerStep;
    private final List<Double> millis = new ArrayList<>(), cpuMillis = new ArrayList<>();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /** Builds and compiles the STEP program on {@code backend} and uploads a freshly initialised state. */
    public StepBenchmark(String name, Backend backend, RunConfig rc, MonetConfig model) {
        this.name = name;
        this.backend = backend;
        int micro = rc.train().microBatchSize(), seq = rc.data().seqLen();
        Precision precision = Backends.precision(rc, backend);
        this.bf16 = precision.mixed();
        TrainState host = TrainState.fresh(model, new MonetModel(model).init(rc.train().seed()).asMap());
        this.program = backend.compile(TrainStepProgram.build(TrainStepProgram.Kind.STEP, TrainStepProgram.Settings.of(rc, model, precision)));
        Map<String, HostTensor> byName = host.leaves();
        byName.put("step", HostTensor.scalar(0));
        for (Leaf l : program.signature().inputs()) {
            if (l.name().equals("tokens")) continue;
            HostTensor t = byName.get(l.name());
            if (t == null) throw new IllegalStateException("the step program's argument '" + l.name() + "' is not part of the train state");
            state.put(l.name(), backend.put(t));
        }
        int[] ids = new int[micro * (seq + 1)];
        Random random = new Random(rc.train().seed());
        for (int i = 0; i < ids.length; i++) ids[i] = random.nextInt(model.vocabSize());
        this.tokens = backend.put(HostTensor.of(Shape.of(micro, seq + 1), ids));
        this.tokensPerStep = (double) micro * seq;
        this.flopsPerStep = FlopCount.trainingFlopsPerToken(model, seq) * tokensPerStep;
    }

    /** Runs one step; when {@code timed}, records its wall time. */
    public void step(boolean timed) {
        Map<String, DeviceBuffer> args = new LinkedHashMap<>(state);
        args.put("tokens", tokens);
        long c0 = OS.getProcessCpuTime(), t0 = System.nanoTime();
        Map<String, DeviceBuffer> out = program.run(args);
        List<DeviceBuffer> others = new ArrayList<>();
        out.forEach((leaf, b) -> {
            if (state.containsKey(leaf)) state.put(leaf, b);
            else others.add(b);
        });
        for (DeviceBuffer b : others) backend.get(b); // the step is done once its metrics are on the host
        long t1 = System.nanoTime(), c1 = OS.getProcessCpuTime();
        others.forEach(DeviceBuffer::close);
        if (timed) {
            millis.add((t1 - t0) / 1e6);
            cpuMillis.add((c1 - c0) / 1e6);
        }
    }

    public Result result() {
        return new Result(name, bf16, millis.stream().mapToDouble(Double::doubleValue).toArray(), cpuMillis.stream().mapToDouble(Double::doubleValue).toArray(),
                program.peakLiveBytes(), tokensPerStep, flopsPerStep);
    }

    @Override
    public void close() {
        state.values().forEach(DeviceBuffer::close);
        tokens.close();
        program.close();
        backend.close();
    }
}
