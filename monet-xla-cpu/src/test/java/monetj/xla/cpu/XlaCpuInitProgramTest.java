package monetj.xla.cpu;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import monetj.core.dsl.Tensor;
import monetj.core.exec.JavaExecutor;
import monetj.core.ir.Graph;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.model.MonetConfig;
import monetj.core.model.Remat;
import monetj.core.nn.Initializer;
import monetj.core.nn.Module;
import monetj.core.nn.Precision;
import monetj.core.program.InitProgram;
import monetj.core.program.Program;
import monetj.core.random.RandomBits;
import monetj.core.random.UnitFloats;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import monetj.train.config.RunConfig;
import monetj.train.mesh.MeshPlan;
import monetj.train.optim.AdamW;
import monetj.train.optim.LearningRateSchedule;
import monetj.train.step.TrainInitProgram;
import monetj.train.step.TrainStepProgram;
import monetj.xla.check.AgreementPolicy;
import monetj.xla.check.OutputAgreement;
import monetj.xla.check.Tolerance;
import org.junit.jupiter.api.Test;

/**
 * The init program compiled by XLA against the Java executor: the random bits and the uniform floats made from them
 * bit for bit (integer ops and an exact bitcast), the inverse-CDF transforms (log, sqrt, polynomials) within the
 * f32 program policy, constants, moments and the step exactly.
 */
class XlaCpuInitProgramTest {
    @Test
    void randomBitsAndUniformFloatsAreBitwiseTheSame() {
        Graph g = new Graph("bits");
        Tensor hi = new Tensor(g, g.parameter("hi", TensorType.of(DType.S32))), lo = new Tensor(g, g.parameter("lo", TensorType.of(DType.S32)));
        Tensor bits = RandomBits.of(hi, lo, Shape.of(37, 129));
        g.setOutputs(List.of(bits.value(), UnitFloats.uniform(bits).value(), UnitFloats.symmetric(bits).value()));
        List<HostTensor> args = List.of(HostTensor.scalar(0x9e3779b9), HostTensor.scalar(0x7f4a7c15));
        List<HostTensor> java = new JavaExecutor().run(g, args), xla;
        try (XlaCpuBackend backend = new XlaCpuBackend()) { xla = backend.run(g, args); }
        for (int i = 0; i < java.size(); i++) assertTrue(java.get(i).contentEquals(xla.get(i)), "output " + i + ": " + java.get(i) + " vs " + xla.get(i));
    }

    /** Every kind of initialiser, in a module of its own. */
    private static final class EveryKind extends Module {
        EveryKind() {
            parameter("uniform", DType.F32, Shape.of(64, 33), Initializer.uniform(-1, 3));
            parameter("normal", DType.F32, Shape.of(50, 20), Initializer.normal(0.02));
            parameter("truncated", DType.F32, Shape.of(40, 25), Initializer.truncatedNormal(0.1));
            parameter("scale", DType.F32, Shape.of(7), Initializer.ones());
            buffer("count", DType.S64, Shape.SCALAR, Initializer.zeros());
        }
    }

    @Test
    void everyInitializerAgreesWithTheJavaExecutor() {
        Module m = new EveryKind();
        assertAgree(InitProgram.build(m), Set.of("scale", "count"));
    }

    @Test
    void theTinyRunsInitProgramOnAOneDeviceMeshAgreesWithTheJavaExecutor() throws Exception {
        MonetConfig config = MonetConfig.read(Path.of("../configs/models/tiny-vd.json"));
        var s = new TrainStepProgram.Settings(config, 2, 8, 1, Precision.F32, Remat.NONE, new AdamW(0.9, 0.95, 1e-8, 0.1), 1.0,
                new LearningRateSchedule(3e-3, 2, 10, "cosine", 0.1), 1e-3, 1e-3);
        LogicalAxisRules rules = MeshPlan.rules(new RunConfig.Mesh(1, 1, 1, 1, null, null), 1);
        Program init = TrainInitProgram.build(s, rules);
        Set<String> exact = new java.util.HashSet<>();
        init.signature().outputs().stream().filter(l -> !l.group().equals("params")).forEach(l -> exact.add(l.name()));
        // norms and biases are constants
        init.signature().outputs().stream().filter(l -> l.name().endsWith("layernorm.weight") || l.name().endsWith(".b1") || l.name().endsWith(".b2")
                || l.name().endsWith("norm.weight") || l.name().endsWith(".bias")).forEach(l -> exact.add(l.name()));
        assertAgree(init, exact);
    }

    private static void assertAgree(Program p, Set<String> exact) {
        Map<String, HostTensor> args = InitProgram.arguments(20261201);
        Map<String, HostTensor> java = new JavaExecutor().run(p, args), xla;
        try (XlaCpuBackend backend = new XlaCpuBackend()) { xla = backend.run(p, args); }
        assertEquals(java.keySet(), xla.keySet());
        OutputAgreement worst = null;
        int bitwise = 0;
        for (String k : java.keySet()) {
            Tolerance t = exact.contains(k) ? Tolerance.EXACT : AgreementPolicy.f32ProgramOutput(java.get(k));
            OutputAgreement a = OutputAgreement.of(k, java.get(k), xla.get(k), t);
            assertTrue(a.agrees(), a.toString());
            if (!exact.contains(k) && (worst == null || a.error() > worst.error())) worst = a;
            if (java.get(k).contentEquals(xla.get(k))) bitwise++;
        }
        System.err.printf("%s on xla-cpu: %d of %d results bitwise equal; the random transforms' largest difference %.3g of the tolerance (%s)%n",
                p.name(), bitwise, java.size(), worst.error(), worst);
    }
}
