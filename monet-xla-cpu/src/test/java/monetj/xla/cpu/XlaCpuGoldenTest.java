package monetj.xla.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import monetj.core.model.GoldenCheck;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The golden model check (see monet-core's MonetGoldenTest) compiled by XLA: eval and train logits, losses,
 * routing probabilities, BatchNorm updates and every gradient of the authors' reference, to the same tolerances.
 */
class XlaCpuGoldenTest {
    @ParameterizedTest
    @ValueSource(strings = {"tiny-vd", "tiny-hd"})
    void modelMatchesTheReference(String name) throws Exception {
        try (XlaCpuBackend xla = new XlaCpuBackend()) {
            GoldenCheck.Report r = GoldenCheck.run(xla, name);
            assertTrue(r.failures().isEmpty(), String.join("\n", r.failures()));
            assertTrue(r.worstByGroup().keySet().stream().anyMatch(k -> k.startsWith("grad.")), "gradients were compared");
        }
    }
}
