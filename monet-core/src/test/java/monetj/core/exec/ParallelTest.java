package monetj.core.exec;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void everyIndexIsRunOnce() {
        for (int n : new int[] {0, 1, 7, 1000, 100_003}) {
            int[] seen = new int[n];
            Parallel.forRange(n, 16, (lo, hi) -> { for (int i = lo; i < hi; i++) seen[i]++; });
            for (int i = 0; i < n; i++) assertEquals(1, seen[i], "index " + i + " of " + n);
        }
    }

    @Test
    void aCommonPoolWithoutWorkersLeavesTheWorkToTheCallingThread() throws Exception {
        // parallelism 0 gives the common pool no workers while it reports a parallelism of 1: chunks handed to it
        // were never run, and the executor's first parallel loop waited for ever.
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-Djava.util.concurrent.ForkJoinPool.common.parallelism=0",
                "-cp", System.getProperty("java.class.path"), Child.class.getName()).redirectErrorStream(true).start();
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        if (!ended) p.destroyForcibly();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ended, "the child hung: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("threads 1, sum 499999500000, product 2048.0"), out);
    }

    /** A parallel loop and a product large enough to be split among threads. */
    public static final class Child {
        public static void main(String[] args) {
            AtomicLong sum = new AtomicLong();
            Parallel.forRange(1_000_000, 1000, (lo, hi) -> { for (long i = lo; i < hi; i++) sum.addAndGet(i); });
            int n = 512;
            float[] a = new float[n * n], b = new float[n * n];
            java.util.Arrays.fill(a, 1f);
            java.util.Arrays.fill(b, 4f);
            float[] c = MatMul.matmulF32(a, b, 1, n, n, n);
            System.out.println("threads " + Parallel.threads() + ", sum " + sum.get() + ", product " + c[0]);
        }
    }
}
