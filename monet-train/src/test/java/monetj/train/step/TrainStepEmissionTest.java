package monetj.train.step;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import monetj.core.nn.Precision;
import monetj.core.program.Leaf;
import monetj.core.program.Program;
import monetj.core.model.ForwardProgram;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.train.optim.AdamW;
import monetj.train.optim.LearningRateSchedule;
import monetj.xla.stablehlo.MlirOpt;
import monetj.xla.stablehlo.StableHloEmitter;
import org.junit.jupiter.api.Test;

/**
 * Whole training programs (the train step in every accumulation form, eval, and the forward/gradient program of
 * both decompositions) emit as StableHLO modules with one argument per input and one result per output, and
 * parse with mlir-opt where it is installed: what a PJRT plugin will be given.
 */
class TrainStepEmissionTest {
    @Test
    void everyTrainingProgramEmits() throws Exception {
        List<String> modules = new ArrayList<>();
        StableHloEmitter emitter = new StableHloEmitter();
        for (String name : List.of("tiny-vd", "tiny-hd")) {
            MonetConfig model = MonetConfig.read(Path.of("../configs/models/" + name + ".json"));
            for (Precision precision : List.of(Precision.F32, Precision.BF16_MIXED)) {
                var s = new TrainStepProgram.Settings(model, 2, 16, 3, precision, monetj.core.model.Remat.NONE, new AdamW(0.9, 0.95, 1e-8, 0.1), 1.0,
                        new LearningRateSchedule(1e-3, 2, 10, "cosine", 0.1), 1e-3, 1e-3);
                for (TrainStepProgram.Kind k : TrainStepProgram.Kind.values()) {
                    Program p = TrainStepProgram.build(k, s);
                    String text = emitter.emit(p).text();
                    assertTrue(text.contains("func.func public @main"), k.toString());
                    String arguments = text.substring(text.indexOf("@main("), text.indexOf(") -> ("));
                    assertEquals(p.signature().inputs().size(), count(arguments, "%arg"), k + " arguments");
                    assertEquals(p.signature().inputs().stream().filter(Leaf::donated).count(), count(arguments, "jax.buffer_donor = true"), k + " donors");
                    assertEquals(p.signature().outputs().size(), count(text, "jax.result_info"), k + " named results");
                    assertTrue(arguments.contains("jax.arg_info = \"tokens\""), k.toString());
                    modules.add(text);
                }
            }
            var types = new java.util.LinkedHashMap<String, monetj.core.tensor.TensorType>();
            new MonetModel(model).variables().forEach(v -> types.put(v.path(), v.type()));
            modules.add(emitter.emit(ForwardProgram.build(model, types, 2, 8, true, true).program()).text());
        }
        MlirOpt.assertParses(modules);
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }
}
