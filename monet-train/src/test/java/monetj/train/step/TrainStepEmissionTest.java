package monetj.train.step;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import monetj.core.ir.Graph;
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
            TrainState state = TrainState.fresh(model, new MonetModel(model).init(0).asMap());
            for (boolean bf16 : new boolean[] {false, true}) {
                var s = new TrainStepProgram.Settings(model, 2, 16, 3, bf16, new AdamW(0.9, 0.95, 1e-8, 0.1), 1.0,
                        new LearningRateSchedule(1e-3, 2, 10, "cosine", 0.1), 1e-3, 1e-3);
                for (TrainStepProgram.Kind k : TrainStepProgram.Kind.values()) {
                    Graph g = TrainStepProgram.build(k, s, state);
                    String text = emitter.emit(g).text();
                    assertTrue(text.contains("func.func public @main"), k.toString());
                    assertEquals(g.parameters().size(), count(text.substring(text.indexOf("@main("), text.indexOf(") -> (")), "%arg"), k + " arguments");
                    modules.add(text);
                }
            }
            modules.add(emitter.emit(ForwardProgram.build(model, ForwardProgram.typesOf(state.modelTensors(model)), 2, 8, true, true).graph()).text());
        }
        MlirOpt.assertParses(modules);
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }
}
