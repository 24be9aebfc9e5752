package monetj.xla.cpu;

import java.util.List;
import monetj.core.backend.Backend;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.ir.Graph;
import monetj.core.ir.Value;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;
import monetj.xla.stablehlo.OpEmissions;
import monetj.xla.stablehlo.StableHloEmitter;
import monetj.xla.stablehlo.StableHloModule;

/**
 * The {@code xla-cpu} backend: graphs are emitted as StableHLO by the same emitter the PJRT backend uses and
 * compiled by XLA's CPU compiler inside TensorFlow (its {@code XlaCallModule} op, the op that runs exported JAX
 * programs). Needs nothing but Maven Central. Buffers are TensorFlow tensors, so a step's state goes from one
 * execution to the next without host copies.
 */
public final class XlaCpuBackend implements Backend {
    /** The name of this backend in run configs ({@code backend.kind}) and on the command line ({@code --backend}). */
    public static final String KIND = "xla-cpu";

    private final StableHloEmitter emitter;
    private final String tensorflowVersion;

    public XlaCpuBackend() { this(OpEmissions.standard()); }

    /** Emits with {@code emissions} (tests give it a deliberately wrong one to see the checks catch it). */
    public XlaCpuBackend(OpEmissions emissions) {
        // TensorFlow 2.18's XLA predates the Shardy dialect (it refuses sdy.mesh): shardings go out in the GSPMD spelling
        this.emitter = new StableHloEmitter(emissions, false).withPartitioner(monetj.xla.stablehlo.Partitioner.GSPMD);
        this.tensorflowVersion = TensorFlowRuntime.load();
    }

    @Override
    public String platform() { return KIND; }

    @Override
    public String deviceDescription() {
        return "XLA CPU (TensorFlow " + tensorflowVersion + "), " + Runtime.getRuntime().availableProcessors() + " cores";
    }

    /** The StableHLO module this backend compiles for {@code graph}. */
    public StableHloModule emit(Graph graph) { return emitter.emit(graph); }

    @Override
    public Executable compile(Graph graph) {
        StableHloModule module = emit(graph);
        if (module.numPartitions() > 1) {
            throw new UnsupportedOperationException("graph " + graph.name() + " is sharded over " + module.numPartitions()
                    + " devices; the xla-cpu backend runs single-device programs");
        }
        List<TensorType> outputs = graph.outputs().stream().map(Value::type).toList();
        return new XlaCallModuleProgram(graph.name(), module.text(), graph.parameterTypes(), outputs);
    }

    @Override
    public DeviceBuffer put(HostTensor tensor) { return new TfDeviceBuffer(tensor.type(), TfTensors.fromHost(tensor)); }

    @Override
    public HostTensor get(DeviceBuffer buffer) {
        if (buffer instanceof TfDeviceBuffer b) return TfTensors.toHost(b.tensor(), b.type());
        throw new IllegalArgumentException("buffer " + buffer + " belongs to another backend; put its host tensor on the xla-cpu backend first");
    }
}
