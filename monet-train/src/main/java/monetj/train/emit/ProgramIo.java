package monetj.train.emit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import monetj.core.backend.Backend;
import monetj.core.exec.JavaExecutor;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.program.Leaf;
import monetj.core.program.Program;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.Safetensors;

/**
 * One set of inputs of a program and the Java executor's outputs for them, as {@code inputs.safetensors} and
 * {@code outputs.safetensors} by leaf name: what another XLA (e.g. JAX's, with its SPMD partitioner) is checked
 * against after compiling the emitted module. Deterministic for a seed: parameters and buffers as the model
 * initialises them; moments, gradients and other floats small pseudo-random values (second moments positive, so the
 * update divides by something real); {@code step} 3; tokens pseudo-random ids of the vocabulary; masks all ones.
 * The Java executor ignores shardings, so the outputs are the unsharded program's.
 */
public final class ProgramIo {
    public static final String INPUTS = "inputs.safetensors", OUTPUTS = "outputs.safetensors";

    private ProgramIo() {}

    /** The inputs of {@code program} of a run of {@code model} for {@code seed}. */
    public static Map<String, HostTensor> inputs(Program program, MonetConfig model, long seed) {
        Map<String, HostTensor> weights = new MonetModel(model).init(seed).asMap();
        Random r = new Random(seed ^ 0x5eed);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Leaf l : program.signature().inputs()) {
            Shape shape = l.type().shape();
            HostTensor t = switch (l.group()) {
                case "params", "frozen", "buffers" -> weights.get(l.name());
                case "step" -> HostTensor.scalar(3);
                default -> switch (l.name()) {
                    case "tokens" -> ints(shape, r, model.vocabSize());
                    case "loss_mask" -> ones(shape);
                    case "loss_targets" -> HostTensor.scalar((float) program.signature().input("tokens").type().shape().dim(0) * (program.signature().input("tokens").type().shape().dim(1) - 1));
                    default -> floats(shape, r, 1e-3, l.group().equals("v"));
                };
            };
            if (t == null) throw new IllegalStateException(program.name() + ": no value for argument '" + l.name() + "'");
            out.put(l.name(), t.to(l.type().dtype()));
        }
        return out;
    }

    /**
     * Writes {@code dir/inputs.safetensors}, the Java executor's {@code dir/outputs.safetensors} and, for each other
     * backend given, what it computes from the same inputs as {@code dir/outputs.NAME.safetensors} (arguments put
     * with their shardings, results gathered).
     */
    public static void write(Path dir, Program program, MonetConfig model, long seed, Map<String, Backend> others) throws IOException {
        Files.createDirectories(dir);
        Map<String, HostTensor> in = inputs(program, model, seed);
        Map<String, String> meta = Map.of("program", program.name(), "seed", Long.toString(seed));
        Safetensors.write(dir.resolve(INPUTS), in, meta);
        try (JavaExecutor java = new JavaExecutor()) {
            Safetensors.write(dir.resolve(OUTPUTS), java.run(program, in), meta);
        }
        for (Map.Entry<String, Backend> b : others.entrySet()) Safetensors.write(dir.resolve(outputsOf(b.getKey())), b.getValue().run(program, in), meta);
    }

    /** The file of a backend's outputs: {@code outputs.NAME.safetensors}. */
    public static String outputsOf(String backend) { return "outputs." + backend + ".safetensors"; }

    private static HostTensor floats(Shape shape, Random r, double scale, boolean positive) {
        float[] v = new float[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            double g = r.nextGaussian() * scale;
            v[i] = (float) (positive ? g * g + scale * scale : g);
        }
        return HostTensor.of(shape, v);
    }

    private static HostTensor ints(Shape shape, Random r, int bound) {
        int[] v = new int[(int) shape.size()];
        for (int i = 0; i < v.length; i++) v[i] = r.nextInt(bound);
        return HostTensor.of(shape, v);
    }

    private static HostTensor ones(Shape shape) {
        int[] v = new int[(int) shape.size()];
        java.util.Arrays.fill(v, 1);
        return HostTensor.of(shape, v);
    }
}
