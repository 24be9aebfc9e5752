package monetj.core.model;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import monetj.core.nn.Param;
import org.junit.jupiter.api.Test;

/**
 * Each module tags its parameters for weight decay: the matrices of projections, experts, routers and embeddings
 * decay; norm scales, biases, the expert biases and the BatchNorm buffers do not (as the authors' recipe).
 */
class WeightDecayTagsTest {
    @Test
    void matricesDecayNormsAndBiasesDoNot() throws Exception {
        for (String name : List.of("tiny-vd", "tiny-hd")) {
            MonetModel m = new MonetModel(MonetConfig.read(Path.of("../configs/models/" + name + ".json")));
            int decayed = 0;
            for (Param p : m.variables()) {
                String path = p.path();
                boolean exempt = path.endsWith("layernorm.weight") || path.equals("model.norm.weight") || path.endsWith(".bias")
                        || path.matches(".*\\.moe\\.b[12]?") || !p.trainable();
                assertEquals(!exempt, p.decayed(), name + ": " + path);
                if (p.decayed()) decayed++;
            }
            assertTrue(decayed > 0 && decayed < m.parameters().size(), name);
            assertTrue(m.variablesByPath().get("lm_head.weight").decayed());
            assertFalse(m.variablesByPath().get("model.layers.0.router.norm1.running_mean").decayed());
        }
    }
}
