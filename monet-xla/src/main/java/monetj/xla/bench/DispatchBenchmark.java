package monetj.xla.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import monetj.core.backend.Backend;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * Host-side cost of one execution: the time from asking a backend to run a compiled program whose arguments
 * are already on the device until the call returns (plus releasing the results), for a program so small that
 * the device work is negligible. On an asynchronous backend this is the dispatch overhead a training step pays.
 */
public final class DispatchBenchmark {
    /** Microseconds per execute: median and fastest of the rounds. */
    public record Result(String platform, int iterations, double medianMicros, double minMicros) {}

    private DispatchBenchmark() {}

    /** y = x + 1 on f32[8]: one fused elementwise kernel. */
    public static Graph tinyProgram() {
        Graph g = new Graph("dispatch");
        Tensor x = new Tensor(g, g.parameter("x", TensorType.of(DType.F32, 8)));
        g.setOutputs(List.of(x.add(1.0).value()));
        return g;
    }

    public static Result measure(Backend backend, Graph program, List<HostTensor> arguments, int rounds, int iterationsPerRound) {
        try (Executable exe = backend.compile(program)) {
            List<DeviceBuffer> args = new ArrayList<>();
            for (HostTensor t : arguments) args.add(backend.put(t));
            for (int i = 0; i < 2 * iterationsPerRound; i++) release(exe.execute(args)); // warm up the JIT and the plugin
            double[] perCall = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < iterationsPerRound; i++) release(exe.execute(args));
                perCall[r] = (System.nanoTime() - t0) / 1e3 / iterationsPerRound;
            }
            List<DeviceBuffer> last = exe.execute(args);
            for (DeviceBuffer b : last) backend.get(b); // the device finished everything before the numbers are trusted
            release(last);
            for (DeviceBuffer b : args) b.close();
            Arrays.sort(perCall);
            return new Result(backend.platform(), rounds * iterationsPerRound, perCall[rounds / 2], perCall[0]);
        }
    }

    public static Result measure(Backend backend, int rounds, int iterationsPerRound) {
        return measure(backend, tinyProgram(), List.of(HostTensor.of(Shape.of(8), new float[8])), rounds, iterationsPerRound);
    }

    private static void release(List<DeviceBuffer> buffers) { for (DeviceBuffer b : buffers) b.close(); }
}
