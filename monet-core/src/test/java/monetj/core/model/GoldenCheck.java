package monetj.core.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import monetj.core.backend.Backend;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;

/**
 * Runs a golden case (golden/README.md) on a backend and compares every reference tensor: eval and train
 * logits, loss, routing probabilities, BatchNorm updates and gradients. Shared by the Java-executor test and
 * the PJRT test in monet-xla, so both check the same things with the same tolerances.
 */
public final class GoldenCheck {
    /** The README's tolerances: values 1e-4 and gradients 1e-3, relative (norm of difference over norm of reference). */
    public static final double VALUE_TOLERANCE = 1e-4, GRADIENT_TOLERANCE = 1e-3;

    private GoldenCheck() {}

    /** The largest relative error per tensor group ("grad.model.layers.N.moe.u1.weight", "eval.logits", ...). */
    public record Report(Map<String, Double> worstByGroup, Set<String> failures) {}

    public static Report run(Backend backend, String name) throws IOException {
        Path dir = Files.createTempDirectory("golden-" + name);
        MonetConfig config = MonetConfig.read(resource(dir, name + ".config.json"));
        Map<String, HostTensor> weights = Safetensors.read(resource(dir, name + ".weights.safetensors")).tensors();
        Map<String, HostTensor> expected = Safetensors.read(resource(dir, name + ".expected.safetensors")).tensors();
        HostTensor ids = expected.get("input_ids");
        Map<String, Double> worst = new TreeMap<>();
        Set<String> compared = new HashSet<>(), failures = new java.util.TreeSet<>();
        for (String mode : new String[] {"eval", "train"}) {
            boolean training = mode.equals("train");
            ForwardProgram p = ForwardProgram.build(config, ForwardProgram.typesOf(weights), ids.shape().dim(0), ids.shape().dim(1), training, training);
            for (var e : p.run(backend, weights, ids).entrySet()) {
                String key = e.getKey().startsWith("grad.") ? e.getKey() : mode + "." + e.getKey();
                HostTensor want = expected.get(key);
                if (want == null) {
                    failures.add(key + ": no reference tensor");
                    continue;
                }
                double err = relativeError(e.getValue(), want);
                double tol = key.startsWith("grad.") ? GRADIENT_TOLERANCE : VALUE_TOLERANCE;
                if (!(err <= tol)) failures.add(key + ": relative error " + err + " exceeds " + tol);
                worst.merge(key.replaceAll("\\.layers\\.\\d+\\.", ".layers.N.").replaceAll("layer\\d+", "layerL"), err, Math::max);
                compared.add(key);
            }
        }
        for (String key : expected.keySet()) {
            if (!key.equals("input_ids") && !compared.contains(key)) failures.add(key + ": reference tensor not produced");
        }
        return new Report(worst, failures);
    }

    /** ||actual - expected|| / ||expected||, shapes equal. */
    public static double relativeError(HostTensor actual, HostTensor expected) {
        if (!actual.shape().equals(expected.shape())) return Double.POSITIVE_INFINITY;
        double[] a = actual.doubles(), e = expected.doubles();
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - e[i]) * (a[i] - e[i]);
            den += e[i] * e[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    /** Golden files are test resources (also inside the monet-core test jar), copied out to be memory-mapped. */
    private static Path resource(Path dir, String file) throws IOException {
        try (InputStream in = GoldenCheck.class.getResourceAsStream("/golden/" + file)) {
            if (in == null) throw new IOException("golden resource " + file + " not on the class path");
            Path p = dir.resolve(file);
            Files.copy(in, p);
            p.toFile().deleteOnExit();
            return p;
        }
    }
}
