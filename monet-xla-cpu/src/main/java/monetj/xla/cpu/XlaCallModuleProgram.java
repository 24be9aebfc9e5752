package monetj.xla.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.tensor.TensorType;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.DataType;

/**
 * One compiled program: a TensorFlow graph of one {@code Placeholder} per argument feeding one
 * {@code XlaCallModule} op that carries the StableHLO module text, run in its own session. XLA compiles the
 * module on the first execution (TensorFlow's on-demand XLA compilation) and the session keeps the executable
 * for every later one; that first execution captures fd 2, so a refused module is reported with XLA's words.
 */
final class XlaCallModuleProgram implements Executable {
    /** XlaCallModule's serialization version: 9 is the newest TensorFlow 2.18 accepts. */
    static final long VERSION = 9;
    private static final String CALL = "main";

    private final String name;
    private final String module;
    private final List<TensorType> parameterTypes, outputTypes;
    private final Graph graph;
    private final Session session;
    private boolean compiled;

    XlaCallModuleProgram(String name, String module, List<TensorType> parameterTypes, List<TensorType> outputTypes) {
        this.name = name;
        this.module = module;
        this.parameterTypes = List.copyOf(parameterTypes);
        this.outputTypes = List.copyOf(outputTypes);
        this.graph = new Graph();
        try {
            Output<?>[] args = new Output<?>[parameterTypes.size()];
            DataType[] tin = new DataType[args.length];
            for (int i = 0; i < args.length; i++) {
                TensorType t = parameterTypes.get(i);
                tin[i] = TfTypes.dataType(t.dtype());
                args[i] = graph.opBuilder("Placeholder", "arg" + i, graph.baseScope())
                        .setAttr("dtype", tin[i]).setAttr("shape", TfTypes.shape(t.shape())).build().output(0);
            }
            DataType[] tout = new DataType[outputTypes.size()];
            Shape[] sout = new Shape[tout.length];
            for (int i = 0; i < tout.length; i++) {
                tout[i] = TfTypes.dataType(outputTypes.get(i).dtype());
                sout[i] = TfTypes.shape(outputTypes.get(i).shape());
            }
            graph.opBuilder("XlaCallModule", CALL, graph.baseScope())
                    .addInputList(args)
                    .setAttr("version", VERSION)
                    .setAttr("module", module)
                    .setAttr("platforms", new String[] {"CPU"})
                    .setAttr("Tin", tin)
                    .setAttr("Tout", tout)
                    .setAttr("Sout", sout)
                    .setAttr("dim_args_spec", new String[0])
                    .build();
            this.session = new Session(graph);
        } catch (RuntimeException e) {
            graph.close();
            throw new XlaCpuCompileException("xla-cpu could not build program " + name + ": " + e.getMessage(), e);
        }
    }

    /** The StableHLO text this program runs. */
    String module() { return module; }

    @Override
    public List<DeviceBuffer> execute(List<DeviceBuffer> args, Set<Integer> donated) {
        if (args.size() != parameterTypes.size()) throw new IllegalArgumentException(name + ": expected " + parameterTypes.size() + " arguments, got " + args.size());
        Session.Runner runner = session.runner();
        for (int i = 0; i < args.size(); i++) {
            TfDeviceBuffer b = tf(args.get(i));
            if (!b.type().equals(parameterTypes.get(i))) throw new IllegalArgumentException(name + ": argument " + i + " should be " + parameterTypes.get(i) + ", got " + b.type());
            if (b.isDeleted()) throw new IllegalArgumentException(name + ": argument " + i + " was already released or donated");
            runner.feed("arg" + i, b.tensor());
        }
        for (int i = 0; i < outputTypes.size(); i++) runner.fetch(CALL, i);
        Result result = compiled ? runner.run() : compileAndRun(runner);
        List<DeviceBuffer> out = new ArrayList<>(outputTypes.size());
        for (int i = 0; i < outputTypes.size(); i++) out.add(new TfDeviceBuffer(outputTypes.get(i), result.get(i)));
        // The session cannot write into a donated argument, but it frees the argument's memory right away.
        for (int i : donated) args.get(i).close();
        return out;
    }

    private Result compileAndRun(Session.Runner runner) {
        NativeStderr.Captured<Result> c = NativeStderr.capture(runner::run);
        if (c.failure() != null) {
            String why = CompileDiagnostics.explain(c.text(), module);
            String first = String.valueOf(c.failure().getMessage()).lines().findFirst().orElse("");
            throw new XlaCpuCompileException("xla-cpu could not compile program " + name + ": " + first + (why.isEmpty() ? "" : "\n" + why), c.failure());
        }
        System.err.print(TensorFlowRuntime.withoutInfo(c.text())); // TensorFlow's warnings still reach the user
        compiled = true;
        return c.value();
    }

    private TfDeviceBuffer tf(DeviceBuffer b) {
        if (b instanceof TfDeviceBuffer t) return t;
        throw new IllegalArgumentException(name + ": buffer " + b + " belongs to another backend; put its host tensor on the xla-cpu backend first");
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
