package monetj.core.model;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import monetj.core.exec.JavaExecutor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The model against the authors' modeling_monet.py (golden vectors, see golden/README.md) on the Java executor:
 * eval and train logits, loss, routing probabilities, BatchNorm running-statistic updates and every parameter
 * gradient, within the README's tolerances. Prints the largest relative error per tensor group.
 */
class MonetGoldenTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden");

    @ParameterizedTest
    @ValueSource(strings = {"tiny-vd", "tiny-hd"})
    void matchesTheReferenceImplementation(String name) throws Exception {
        GoldenCheck.Report r = GoldenCheck.run(new JavaExecutor(), name);
        System.out.println(name + " on the Java executor: largest relative error per tensor group");
        r.worstByGroup().forEach((k, v) -> System.out.printf("  %-60s %.2e%n", k, v));
        assertTrue(r.failures().isEmpty(), String.join("\n", r.failures()));
        assertTrue(r.worstByGroup().keySet().stream().anyMatch(k -> k.startsWith("grad.")), "gradients were compared");
    }
}
