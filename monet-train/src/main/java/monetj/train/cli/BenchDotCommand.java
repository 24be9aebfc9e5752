package monetj.train.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import monetj.core.exec.DotKernel;
import monetj.core.ir.DotGeneral;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code monet bench dot}: one dot_general, given by its operand shapes and dimension numbers, timed alone through the
 * Java executor's kernel, so a product seen in a step's profile ({@code MONET_PROFILE=1}) can be compared with itself in
 * isolation. Results are checked against the op's reference evaluation on the first product when it is small enough.
 */
@Command(name = "dot", mixinStandardHelpOptions = true, description = "GFLOP/s of one dot_general on the Java executor.")
public final class BenchDotCommand implements Callable<Integer> {
    private static final long WARMUP_NANOS = 2_000_000_000L;
    /** Up to this many multiply-adds the reference evaluation (scalar f64) checks the result; beyond it takes too long. */
    private static final long CHECK_LIMIT = 1L << 27;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--lhs", required = true, split = ",", paramLabel = "D", description = "lhs shape, e.g. 512,128")
    int[] lhs;

    @Option(names = "--rhs", required = true, split = ",", paramLabel = "D", description = "rhs shape, e.g. 32000,128")
    int[] rhs;

    @Option(names = "--contract", required = true, paramLabel = "L:R", description = "contracting dimensions, lhs:rhs, comma-separated lists, e.g. 1:1")
    String contract;

    @Option(names = "--batch", defaultValue = ":", paramLabel = "L:R", description = "batch dimensions, lhs:rhs (default: none)")
    String batch;

    @Option(names = "--dtype", defaultValue = "f32", description = "operand dtype: f32 or bf16, the result f32 (default: ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--iterations", defaultValue = "20", description = "timed products after warm-up (default: ${DEFAULT-VALUE})")
    int iterations;

    @Override
    public Integer call() {
        int[][] c = dims(contract, "--contract"), b = dims(batch, "--batch");
        DType d = switch (dtype) {
            case "f32" -> DType.F32;
            case "bf16" -> DType.BF16;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--dtype must be f32 or bf16, got " + dtype);
        };
        if (iterations < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--iterations must be at least 1, got " + iterations);
        DotGeneral op = new DotGeneral(b[0], b[1], c[0], c[1], DotGeneral.Precision.DEFAULT, DType.F32);
        Random rnd = new Random(1);
        HostTensor l = random(d, Shape.of(lhs), rnd), r = random(d, Shape.of(rhs), rnd);
        TensorType out;
        try {
            out = op.inferTypes(List.of(l.type(), r.type())).get(0);
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        long multiplyAdds = out.shape().size();
        for (int dim : c[0]) multiplyAdds *= lhs[dim];
        PrintWriter o = spec.commandLine().getOut();

        HostTensor result = DotKernel.dotGeneral(op, l, r, out);
        String check = "not checked (over " + CHECK_LIMIT + " multiply-adds)";
        if (multiplyAdds <= CHECK_LIMIT) {
            HostTensor reference = op.evaluate(List.of(l, r)).get(0);
            double worst = 0;
            for (long i = 0; i < out.shape().size(); i++) worst = Math.max(worst, Math.abs(result.getDouble(i) - reference.getDouble(i)));
            check = String.format("max |error| against the reference evaluation %.2e", worst);
        }
        long warmStart = System.nanoTime();
        int warmed = 1;
        while (warmed < 3 || System.nanoTime() - warmStart < WARMUP_NANOS) {
            DotKernel.dotGeneral(op, l, r, out);
            warmed++;
        }
        long[] nanos = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            long start = System.nanoTime();
            DotKernel.dotGeneral(op, l, r, out);
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        double median = iterations % 2 == 1 ? nanos[iterations / 2] : (nanos[iterations / 2 - 1] + nanos[iterations / 2]) / 2.0;
        o.printf("monet bench dot: %s %s x %s, batch %s, contract %s -> %s; %d timed products after %d warm-up%n", dtype, Shape.of(lhs),
                Shape.of(rhs), batch, contract, out, iterations, warmed);
        o.printf("  %s%n", check);
        o.printf("time per product: best %.3f ms, median %.3f ms; GFLOP/s: best %.2f, median %.2f%n", nanos[0] / 1e6, median / 1e6,
                2.0 * multiplyAdds / nanos[0], 2.0 * multiplyAdds / median);
        o.flush();
        return 0;
    }

    /** "0,1:2,3" as {{0, 1}, {2, 3}}; either side may be empty. */
    private int[][] dims(String spec, String option) {
        String[] sides = spec.split(":", -1);
        if (sides.length != 2) throw new CommandLine.ParameterException(this.spec.commandLine(), option + " must be LHS:RHS dimension lists, got " + spec);
        int[][] out = new int[2][];
        for (int s = 0; s < 2; s++) {
            try {
                out[s] = sides[s].isBlank() ? new int[0] : Arrays.stream(sides[s].split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(this.spec.commandLine(), option + ": not a dimension list: " + spec);
            }
        }
        return out;
    }

    private static HostTensor random(DType d, Shape s, Random rnd) {
        float[] v = new float[s.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = rnd.nextFloat() * 2 - 1;
        return d == DType.F32 ? HostTensor.of(s, v) : HostTensor.fromFloats(d, s, v);
    }
}
