package monetj.xla.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import monetj.core.exec.JavaExecutor;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.model.Remat;
import monetj.core.nn.Precision;
import monetj.core.program.Program;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.train.optim.AdamW;
import monetj.train.optim.LearningRateSchedule;
import monetj.train.step.TrainState;
import monetj.train.step.TrainStepProgram;
import monetj.xla.check.ProgramAgreement;
import monetj.xla.check.RoutingProbe;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every training program kind (first, middle and last micro-batch, the whole step, eval) of a VD and an HD model,
 * in f32 and bf16-mixed precision, compiled by XLA against the Java executor, judged by {@link ProgramAgreement}:
 * every output within the agreement policy (for bf16-mixed: twice the Java executor's own distance from its f32
 * run), every f32 routing decision equal, and bf16-mixed ones flipped only within rounding of the cut, each printed.
 */
class XlaCpuTrainingProgramsTest {
    private static final int BATCH = 2, SEQ = 8;
    private static final JavaExecutor JAVA = new JavaExecutor();

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"tiny-vd, f32", "tiny-vd, bf16-mixed", "tiny-hd, f32", "tiny-hd, bf16-mixed"})
    void everyProgramKindAgreesWithTheJavaExecutor(String modelName, String precision) throws Exception {
        MonetConfig model = MonetConfig.read(Path.of("../configs/models/" + modelName + ".json"));
        Precision policy = Precision.named(precision);
        boolean bf16 = policy.mixed();
        Random rnd = new Random(7);
        TrainState state = withMoments(TrainState.fresh(model, new MonetModel(model).init(3).asMap()), rnd);
        HostTensor tokens = tokens(model, rnd);
        Map<String, HostTensor> earlier = gaussian(state.params(), 1e-2, rnd);

        Map<String, HostTensor> weights = state.modelTensors(model);
        HostTensor inputs = HostTensor.of(Shape.of(BATCH, SEQ), firstColumns(tokens.ints(), SEQ + 1, SEQ));
        List<String> problems = new ArrayList<>();
        try (XlaCpuBackend xla = new XlaCpuBackend()) {
            Map<Boolean, Map<String, HostTensor>> javaRouting = new LinkedHashMap<>(), xlaRouting = new LinkedHashMap<>();
            for (boolean training : new boolean[] {true, false}) {
                RoutingProbe probe = RoutingProbe.build(model, policy, BATCH, SEQ, training);
                javaRouting.put(training, probe.run(JAVA, weights, inputs));
                xlaRouting.put(training, probe.run(xla, weights, inputs));
            }
            for (TrainStepProgram.Kind kind : TrainStepProgram.Kind.values()) {
                Program p = TrainStepProgram.build(kind, settings(model, policy));
                Map<String, HostTensor> args = arguments(p, state, earlier, tokens);
                Map<String, HostTensor> want = JAVA.run(p, args), got = xla.run(p, args);
                Map<String, HostTensor> wantF32 = bf16 ? JAVA.run(TrainStepProgram.build(kind, settings(model, Precision.F32)), args) : null;
                List<String> names = List.copyOf(want.keySet());
                boolean training = kind != TrainStepProgram.Kind.EVAL;
                ProgramAgreement a = ProgramAgreement.of(modelName + " " + precision + " " + kind, names, values(want, names), values(got, names),
                        bf16 ? values(wantF32, names) : null, javaRouting.get(training), xlaRouting.get(training));
                System.out.println(a.verdict() == ProgramAgreement.Verdict.AGREE && a.flips().isEmpty() ? a.program() + ": AGREE" : a.report());
                // f32 programs agree in every output and every routing decision; in bf16-mixed ones a routing decision
                // may flip by rounding (reported, with its margins).
                boolean ok = bf16 ? a.verdict() != ProgramAgreement.Verdict.DISAGREE : a.verdict() == ProgramAgreement.Verdict.AGREE && a.flips().isEmpty();
                if (!ok) problems.add(a.report());
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    private static List<HostTensor> values(Map<String, HostTensor> byName, List<String> names) { return names.stream().map(byName::get).toList(); }

    private static TrainStepProgram.Settings settings(MonetConfig model, Precision precision) {
        return new TrainStepProgram.Settings(model, BATCH, SEQ, 3, precision, Remat.NONE, new AdamW(0.9, 0.95, 1e-8, 0.1), 1.0,
                new LearningRateSchedule(1e-3, 2, 10, "cosine", 0.1), 1e-3, 1e-3);
    }

    /** Arguments by leaf name: state tensors, moments (m.), earlier gradients (grad.), the step counter and tokens. */
    private static Map<String, HostTensor> arguments(Program p, TrainState state, Map<String, HostTensor> earlier, HostTensor tokens) {
        Map<String, HostTensor> args = new LinkedHashMap<>();
        for (var leaf : p.signature().inputs()) {
            String name = leaf.name();
            HostTensor t = name.equals("tokens") ? tokens : name.equals("step") ? HostTensor.scalar(3)
                    : name.startsWith("m.") ? state.m().get(name.substring(2)) : name.startsWith("v.") ? state.v().get(name.substring(2))
                    : name.startsWith("grad.") ? earlier.get(name.substring(5))
                    : state.params().containsKey(name) ? state.params().get(name) : state.buffers().get(name);
            if (t == null) throw new IllegalStateException("no test value for program argument " + name);
            args.put(name, t);
        }
        return args;
    }

    /**
     * A state some steps into training: non-zero AdamW moments with {@code |m| <= sqrt(v)}, as moments of the
     * same gradients are (independent ones would make m / sqrt(v) unbounded and the update chaotic).
     */
    private static TrainState withMoments(TrainState fresh, Random rnd) {
        Map<String, HostTensor> m = gaussian(fresh.params(), 1e-3, rnd), v = new LinkedHashMap<>();
        m.forEach((k, t) -> {
            double[] x = t.doubles();
            for (int i = 0; i < x.length; i++) x[i] = x[i] * x[i] + 1e-6 * rnd.nextDouble();
            v.put(k, HostTensor.fromDoubles(DType.F32, t.shape(), x));
        });
        return new TrainState(fresh.params(), fresh.buffers(), m, v, 3);
    }

    private static Map<String, HostTensor> gaussian(Map<String, HostTensor> like, double scale, Random rnd) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        like.forEach((k, t) -> {
            double[] x = new double[t.shape().intSize()];
            for (int i = 0; i < x.length; i++) x[i] = rnd.nextGaussian() * scale;
            out.put(k, HostTensor.fromDoubles(DType.F32, t.shape(), x));
        });
        return out;
    }

    private static HostTensor tokens(MonetConfig model, Random rnd) {
        int[] ids = new int[BATCH * (SEQ + 1)];
        for (int i = 0; i < ids.length; i++) ids[i] = rnd.nextInt(model.vocabSize());
        return HostTensor.of(Shape.of(BATCH, SEQ + 1), ids);
    }

    /** The first {@code keep} of every row of {@code width}: the model's input ids of a [B, T + 1] token batch. */
    private static int[] firstColumns(int[] rows, int width, int keep) {
        int[] out = new int[rows.length / width * keep];
        for (int r = 0; r < rows.length / width; r++) System.arraycopy(rows, r * width, out, r * keep, keep);
        return out;
    }
}
