package monetj.train.cli;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Callable;
import monetj.core.exec.MatMul;
import monetj.core.exec.MatrixLayout;
import monetj.core.exec.Parallel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code monet bench matmul}: the executor's f32 GFLOP/s (2 N^3 per product) for an N x N by N x N product.
 * It warms the JIT up first, times each product separately, and checks a sample of the result against f64
 * dot products so a fast but wrong kernel cannot pass unnoticed.
 */
@Command(name = "matmul", mixinStandardHelpOptions = true, description = "f32 matrix product GFLOP/s of the Java executor.")
public final class BenchMatmulCommand implements Callable<Integer> {
    /** Warm-up runs at least this long (and at least a few products) so the timed runs see compiled kernels. */
    private static final long WARMUP_NANOS = 2_000_000_000L;
    private static final int WARMUP_MIN_PRODUCTS = 3;
    private static final int CHECKED_ENTRIES = 32;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--size", paramLabel = "N", description = "Matrix size N (default: ${DEFAULT-VALUE}).", defaultValue = "1024")
    int size;

    @Option(names = "--iterations", paramLabel = "K", description = "Timed products after warm-up (default: ${DEFAULT-VALUE}).", defaultValue = "20")
    int iterations;

    @Option(names = "--threads", paramLabel = "T", description = "Threads to use, at most the fork-join pool's (default: all of them).")
    Integer threads;

    @Override
    public Integer call() {
        int poolThreads = Parallel.threads();
        int t = threads == null ? poolThreads : threads;
        if (size < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--size must be at least 1, got " + size);
        if (iterations < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--iterations must be at least 1, got " + iterations);
        if (t < 1 || t > poolThreads) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be between 1 and the fork-join pool's " + poolThreads
                    + " threads, got " + t + " (a bigger pool: MONET_JAVA_OPTS=-Djava.util.concurrent.ForkJoinPool.common.parallelism=" + (t - 1) + ")");
        }
        int n = size;
        Random rnd = new Random(1);
        float[] a = randomMatrix(rnd, n), b = randomMatrix(rnd, n);
        MatrixLayout layout = MatrixLayout.rowMajor(1, n, n);
        PrintWriter out = spec.commandLine().getOut();

        long warmStart = System.nanoTime();
        int warmed = 0;
        float[] c = null;
        while (warmed < WARMUP_MIN_PRODUCTS || System.nanoTime() - warmStart < WARMUP_NANOS) {
            c = MatMul.matmulF32(a, layout, b, layout, n, n, n, t);
            warmed++;
        }
        double warmSeconds = (System.nanoTime() - warmStart) / 1e9;
        double maxError = checkSample(a, b, c, n, rnd);

        long[] nanos = new long[iterations];
        long cpuStart = processCpuNanos(), wallStart = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            long start = System.nanoTime();
            c = MatMul.matmulF32(a, layout, b, layout, n, n, n, t);
            nanos[i] = System.nanoTime() - start;
        }
        double coresBusy = (double) (processCpuNanos() - cpuStart) / (System.nanoTime() - wallStart);
        maxError = Math.max(maxError, checkSample(a, b, c, n, rnd));
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        double flops = 2.0 * n * n * n;
        double mean = Arrays.stream(nanos).average().orElseThrow();

        out.printf("monet bench matmul: f32 [%d x %d] x [%d x %d], %d timed products after %d warm-up products (%.1f s)%n",
                n, n, n, n, iterations, warmed, warmSeconds);
        out.printf("  JVM: %s %s; threads used: %d (fork-join pool %d, CPUs %d)%n", System.getProperty("java.vm.name"),
                System.getProperty("java.vm.version"), t, poolThreads, Runtime.getRuntime().availableProcessors());
        out.printf("  kernel: %s%n", MatMul.f32KernelDescription());
        out.printf("  time per product: best %.2f ms, median %.2f ms%n", sorted[0] / 1e6, median(sorted) / 1e6);
        out.printf("  sampled entries vs f64: max error %.2e relative to sum |a||b|%n", maxError);
        // On a shared machine this shows how much CPU the products really got.
        out.printf("  process CPU time / wall time while timed: %.2f (%d threads asked for)%n", coresBusy, t);
        out.printf("GFLOP/s: best %.2f, median %.2f, mean %.2f%n", flops / sorted[0], flops / median(sorted), flops / mean);
        out.flush();
        // An f32 dot product of length n is within about n * 2^-24 of exact, relative to sum |a||b|.
        if (maxError > (n + 2) * Math.ulp(1f) / 2) {
            spec.commandLine().getErr().println("monet bench matmul: result check FAILED (error " + maxError + ")");
            return 2;
        }
        return 0;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static float[] randomMatrix(Random rnd, int n) {
        float[] m = new float[n * n];
        for (int i = 0; i < m.length; i++) m[i] = rnd.nextFloat() * 2 - 1;
        return m;
    }

    /** Largest error of sampled result entries against f64 dot products, relative to sum |a||b|. */
    private static double checkSample(float[] a, float[] b, float[] c, int n, Random rnd) {
        double worst = 0;
        for (int s = 0; s < CHECKED_ENTRIES; s++) {
            int i = rnd.nextInt(n), j = rnd.nextInt(n);
            double exact = 0, magnitude = 0;
            for (int p = 0; p < n; p++) {
                double x = (double) a[i * n + p] * b[p * n + j];
                exact += x;
                magnitude += Math.abs(x);
            }
            worst = Math.max(worst, Math.abs(c[i * n + j] - exact) / magnitude);
        }
        return worst;
    }

    private static double median(long[] sorted) {
        int h = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2.0;
    }
}
