package monetj.core.model;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import monetj.core.exec.JavaExecutor;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The model against the authors' modeling_monet.py (golden vectors, see golden/README.md): eval and train
 * logits, loss, routing probabilities, BatchNorm running-statistic updates and every parameter gradient.
 * Tolerances are the README's: 1e-4 relative for values, 1e-3 relative per gradient tensor.
 */
class MonetGoldenTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden");

    /** ||actual - expected|| / ||expected||. */
    static double relativeError(HostTensor actual, HostTensor expected) {
        assertEquals(expected.shape(), actual.shape(), "shape");
        double[] a = actual.doubles(), e = expected.doubles();
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - e[i]) * (a[i] - e[i]);
            den += e[i] * e[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-vd", "tiny-hd"})
    void matchesTheReferenceImplementation(String name) throws Exception {
        MonetConfig config = MonetConfig.read(GOLDEN.resolve(name + ".config.json"));
        Map<String, HostTensor> weights = Safetensors.read(GOLDEN.resolve(name + ".weights.safetensors")).tensors();
        Map<String, HostTensor> expected = Safetensors.read(GOLDEN.resolve(name + ".expected.safetensors")).tensors();
        HostTensor ids = expected.get("input_ids");
        JavaExecutor exec = new JavaExecutor();
        Map<String, Double> worst = new TreeMap<>();
        java.util.Set<String> compared = new java.util.HashSet<>();
        for (String mode : new String[] {"eval", "train"}) {
            boolean training = mode.equals("train");
            ForwardProgram p = ForwardProgram.build(config, ForwardProgram.typesOf(weights), ids.shape().dim(0), ids.shape().dim(1), training, training);
            Map<String, HostTensor> got = p.run(exec, weights, ids);
            for (var e : got.entrySet()) {
                String key = e.getKey().startsWith("grad.") ? e.getKey() : mode + "." + e.getKey();
                HostTensor want = expected.get(key);
                assertNotNull(want, "no reference for " + key);
                double err = relativeError(e.getValue(), want);
                double tol = key.startsWith("grad.") ? 1e-3 : 1e-4;
                assertTrue(err <= tol, key + ": relative error " + err + " exceeds " + tol);
                String group = key.replaceAll("\\.layers\\.\\d+\\.", ".layers.N.").replaceAll("layer\\d+", "layerL");
                worst.merge(group, err, Math::max);
                compared.add(key);
            }
        }
        for (String key : expected.keySet()) {
            if (!key.equals("input_ids")) assertTrue(compared.contains(key), "reference tensor " + key + " was not produced");
        }
        System.out.println(name + ": largest relative error per tensor group");
        worst.forEach((k, v) -> System.out.printf("  %-55s %.2e%n", k, v));
    }
}
