package monetj.train.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import monetj.core.backend.Backend;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Parameter;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.train.config.RunConfig;
import monetj.train.optim.AdamW;
import monetj.train.optim.LearningRateSchedule;
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
    private final Executable program;
    private final List<DeviceBuffer> state;   // the arguments before the tokens, in the program's order
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
        this.bf16 = switch (rc.train().precision()) {
            case "bf16-mixed" -> true;
            case "f32" -> false;
            default -> !backend.platform().equals("java"); // auto, as in training
        };
        TrainState host = TrainState.fresh(model, new MonetModel(model).init(rc.train().seed()).asMap());
        TrainStepProgram.Settings settings = new TrainStepProgram.Settings(model, micro, seq, 1, bf16,
                new AdamW(rc.optimizer().betas().get(0), rc.optimizer().betas().get(1), rc.optimizer().eps(), rc.optimizer().weightDecay()),
                rc.optimizer().gradClip(), LearningRateSchedule.of(rc), rc.loss().uniformityWeight(), rc.loss().ambiguityWeight());
        Graph graph = TrainStepProgram.build(TrainStepProgram.Kind.STEP, settings, host);
        this.program = backend.compile(graph);
        Map<String, HostTensor> byName = new LinkedHashMap<>(host.params());
        byName.putAll(host.buffers());
        host.m().forEach((k, t) -> byName.put("m." + k, t));
        host.v().forEach((k, t) -> byName.put("v." + k, t));
        byName.put("step", HostTensor.scalar(0));
        this.state = new ArrayList<>();
        for (Node p : graph.parameters()) {
            String arg = ((Parameter) p.op()).paramName();
            if (arg.equals("tokens")) break;
            HostTensor t = byName.get(arg);
            if (t == null) throw new IllegalStateException("the step program's argument '" + arg + "' is not part of the train state");
            state.add(backend.put(t));
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
        List<DeviceBuffer> args = new ArrayList<>(state);
        args.add(tokens);
        Set<Integer> donated = new HashSet<>();
        for (int i = 0; i < state.size(); i++) donated.add(i);
        long c0 = OS.getProcessCpuTime(), t0 = System.nanoTime();
        List<DeviceBuffer> out = program.execute(args, donated);
        DeviceBuffer metrics = out.get(state.size());
        backend.get(metrics); // the step is done once its metrics are on the host
        long t1 = System.nanoTime(), c1 = OS.getProcessCpuTime();
        metrics.close();
        for (int i = 0; i < state.size(); i++) state.set(i, out.get(i));
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
        state.forEach(DeviceBuffer::close);
        tokens.close();
        program.close();
        backend.close();
    }
}
