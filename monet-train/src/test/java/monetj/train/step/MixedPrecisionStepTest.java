package monetj.train.step;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import monetj.core.ir.Convert;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Node;
import monetj.core.ir.Parameter;
import monetj.core.ir.Reshape;
import monetj.core.ir.Transpose;
import monetj.core.ir.Value;
import monetj.core.model.MonetConfig;
import monetj.core.nn.Precision;
import monetj.core.program.Program;
import monetj.core.tensor.DType;
import monetj.train.optim.AdamW;
import monetj.train.optim.LearningRateSchedule;
import monetj.xla.stablehlo.StableHloEmitter;
import org.junit.jupiter.api.Test;

/**
 * The bf16-mixed policy in the emitted step: masters stay f32 arguments, every dot_general takes bf16 operands
 * and accumulates into an f32 result, and the router logits, attention scores and LM-head logits are used as
 * those f32 results.
 */
class MixedPrecisionStepTest {
    private static final Pattern DOT = Pattern.compile("\"stablehlo\\.dot_general\"\\([^)]*\\) \\{[^}]*\\} : \\(tensor<[^>]*x(\\w+)>, tensor<[^>]*x(\\w+)>\\) -> tensor<[^>]*x(\\w+)>");

    /** dot_generals of an emitted module counted by "lhs x rhs -> result" element types. */
    static Map<String, Integer> dotTypes(String mlir) {
        Map<String, Integer> counts = new TreeMap<>();
        Matcher m = DOT.matcher(mlir);
        while (m.find()) counts.merge(m.group(1) + " x " + m.group(2) + " -> " + m.group(3), 1, Integer::sum);
        return counts;
    }

    private static Program step(Precision precision) throws Exception { return build(precision, TrainStepProgram.Kind.STEP); }

    private static Program build(Precision precision, TrainStepProgram.Kind kind) throws Exception {
        MonetConfig model = MonetConfig.read(Path.of("../configs/models/tiny-vd.json"));
        var s = new TrainStepProgram.Settings(model, 2, 16, 1, precision, monetj.core.model.Remat.NONE, new AdamW(0.9, 0.95, 1e-8, 0.1), 1.0,
                new LearningRateSchedule(1e-3, 2, 10, "cosine", 0.1), 1e-3, 1e-3);
        return TrainStepProgram.build(kind, s);
    }

    /** The parameter a value is read from through converts, reshapes and transposes, or null. */
    private static String source(Value v) {
        Node n = v.node();
        while (n.op() instanceof Convert || n.op() instanceof Reshape || n.op() instanceof Transpose) n = n.inputs().get(0).node();
        return n.op() instanceof Parameter p ? p.paramName() : null;
    }

    @Test
    void everyProductHasBf16OperandsAndAnF32Result() throws Exception {
        Program p = step(Precision.BF16_MIXED);
        Map<String, Integer> counts = dotTypes(new StableHloEmitter().emit(p).text());
        assertEquals(1, counts.size(), counts.toString());
        assertTrue(counts.containsKey("bf16 x bf16 -> f32"), counts.toString());
        assertEquals(DType.F32, p.signature().input("model.layers.0.router.w1.weight").type().dtype(), "master weights are f32");
        assertEquals(DType.F32, p.signature().input("m.model.layers.0.router.w1.weight").type().dtype(), "moments are f32");

        // the forward pass alone (the eval program) names the products: router logits, attention scores, LM head
        Program forward = build(Precision.BF16_MIXED, TrainStepProgram.Kind.EVAL);
        int router = 0, head = 0, scores = 0;
        for (Node n : forward.graph().liveNodes()) {
            if (!(n.op() instanceof DotGeneral)) continue;
            String rhs = source(n.inputs().get(1));
            if (rhs != null && rhs.matches(".*\\.router\\.w[12]\\.weight")) router++;
            else if ("lm_head.weight".equals(rhs)) head++;
            else if (n.types().get(0).rank() == 4 && n.types().get(0).shape().dim(2) == 16 && n.types().get(0).shape().dim(3) == 16
                    && ((DotGeneral) n.op()).rhsContract()[0] == 3) scores++; // q [.., T, hd] against k [.., S, hd]
            else continue;
            assertEquals(DType.BF16, n.inputs().get(0).dtype(), n.toString());
            assertEquals(DType.BF16, n.inputs().get(1).dtype(), n.toString());
            assertEquals(DType.F32, n.types().get(0).dtype(), n.toString());
        }
        MonetConfig c = MonetConfig.read(Path.of("../configs/models/tiny-vd.json"));
        int routers = (int) java.util.stream.IntStream.range(0, c.numHiddenLayers()).filter(c::hasRouter).count();
        assertEquals(2 * routers, router, "router logits");
        assertEquals(1, head, "LM head");
        assertEquals(c.numHiddenLayers(), scores, "attention scores");
    }

    @Test
    void f32PolicyKeepsEveryProductF32() throws Exception {
        Map<String, Integer> counts = dotTypes(new StableHloEmitter().emit(step(Precision.F32)).text());
        assertEquals(1, counts.size(), counts.toString());
        assertTrue(counts.containsKey("f32 x f32 -> f32"), counts.toString());
    }
}
