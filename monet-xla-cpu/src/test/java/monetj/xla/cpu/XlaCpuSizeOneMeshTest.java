package monetj.xla.cpu;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import monetj.core.backend.Backend;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.core.exec.JavaExecutor;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.model.Remat;
import monetj.core.nn.Precision;
import monetj.core.program.Program;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.train.config.RunConfig;
import monetj.train.mesh.MeshPlan;
import monetj.train.optim.AdamW;
import monetj.train.optim.LearningRateSchedule;
import monetj.train.step.TrainState;
import monetj.train.step.TrainStepProgram;
import org.junit.jupiter.api.Test;

/**
 * The tiny step sharded over a mesh of one device runs on XLA and matches the Java executor. TensorFlow 2.18's XLA
 * predates Shardy ("Dialect `sdy' not found for custom op 'sdy.mesh'"), so this backend writes the GSPMD spelling.
 */
class XlaCpuSizeOneMeshTest {
    private static final int MICRO = 2, SEQ = 8;

    @Test
    void aShardedStepOnOneDeviceMatchesTheJavaExecutor() throws Exception {
        MonetConfig config = MonetConfig.read(Path.of("../configs/models/tiny-vd.json"));
        var s = new TrainStepProgram.Settings(config, MICRO, SEQ, 1, Precision.F32, Remat.NONE, new AdamW(0.9, 0.95, 1e-8, 0.1), 1.0,
                new LearningRateSchedule(3e-3, 2, 10, "cosine", 0.1), 1e-3, 1e-3);
        LogicalAxisRules rules = MeshPlan.rules(new RunConfig.Mesh(1, 1, 1, 1, null, null), 1);
        Program sharded = TrainStepProgram.build(TrainStepProgram.Kind.STEP, s, rules);
        assertFalse(sharded.graph().shardings().isEmpty());
        try (XlaCpuBackend backend = new XlaCpuBackend()) {
            String text = backend.emit(sharded.graph()).text();
            assertTrue(text.contains("mhlo.sharding = \"{replicated}\"") && !text.contains("sdy."), "GSPMD spelling");
        }
        Map<String, HostTensor> java = run(new JavaExecutor(), TrainStepProgram.build(TrainStepProgram.Kind.STEP, s), config);
        Map<String, HostTensor> xla;
        try (XlaCpuBackend backend = new XlaCpuBackend()) { xla = run(backend, sharded, config); }
        assertEquals(java.keySet(), xla.keySet());
        for (String k : java.keySet()) {
            double[] a = java.get(k).to(monetj.core.tensor.DType.F64).doubles(), b = xla.get(k).to(monetj.core.tensor.DType.F64).doubles();
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-4 * Math.max(1, Math.abs(a[i])), k + "[" + i + "]");
        }
    }

    private static Map<String, HostTensor> run(Backend exec, Program program, MonetConfig config) {
        TrainState fresh = TrainState.fresh(config, new MonetModel(config).init(3).asMap());
        Map<String, DeviceBuffer> args = new LinkedHashMap<>();
        fresh.leaves().forEach((k, t) -> args.put(k, exec.put(t)));
        args.put("step", exec.put(HostTensor.scalar(0)));
        Random rnd = new Random(5);
        int[] ids = new int[MICRO * (SEQ + 1)];
        for (int i = 0; i < ids.length; i++) ids[i] = rnd.nextInt(config.vocabSize());
        args.put("tokens", exec.put(HostTensor.of(Shape.of(MICRO, SEQ + 1), ids)));
        Map<String, HostTensor> out = new LinkedHashMap<>();
        try (CompiledProgram p = exec.compile(program)) {
            p.run(args).forEach((k, b) -> out.put(k, exec.get(b)));
        }
        return out;
    }
}
