package monetj.xla.pjrt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import monetj.core.backend.Backend;
import monetj.core.backend.BackendCapabilities;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.dist.KeyValueStore;
import monetj.core.dist.ProcessGroup;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Graph;
import monetj.core.ir.Value;
import monetj.core.nn.Precision;
import monetj.core.program.Program;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;
import monetj.xla.stablehlo.OpEmissions;
import monetj.xla.stablehlo.StableHloEmitter;
import monetj.xla.stablehlo.StableHloModule;

/**
 * The {@link Backend} of a PJRT plugin on one device: graphs are emitted as StableHLO and compiled by the
 * plugin's XLA. Every argument is marked as a possible donor, so any argument can be donated at execution;
 * the ones not donated in a call are passed as non-donatable.
 */
public final class PjrtBackend implements Backend {
    private final PjrtClient client;
    private final PjrtDevice device;
    private final boolean ownsClient;
    private final StableHloEmitter emitter;

    /** Runs on {@code device} of {@code client}; the client stays the caller's to close. */
    public PjrtBackend(PjrtClient client, PjrtDevice device) { this(client, device, false, DotGeneral.Precision.DEFAULT); }

    private PjrtBackend(PjrtClient client, PjrtDevice device, boolean ownsClient, DotGeneral.Precision dotFloor) {
        this.client = client;
        this.device = device;
        this.ownsClient = ownsClient;
        this.emitter = new StableHloEmitter(OpEmissions.standard(dotFloor), true);
    }

    /** Finds the plugin ({@code plugin} nullable: discovery), creates a client and uses its first device. */
    public static PjrtBackend open(Path plugin, ClientOptions options) { return open(plugin, options, DotGeneral.Precision.DEFAULT); }

    /** As {@link #open(Path, ClientOptions)}, compiling every dot_general at least {@code dotFloor} precise. */
    public static PjrtBackend open(Path plugin, ClientOptions options, DotGeneral.Precision dotFloor) {
        return first(PjrtClient.create(PjrtPlugin.load(PluginDiscovery.system().find(plugin)), options), dotFloor);
    }

    /** A backend owning {@code client}, on its first addressable device. */
    private static PjrtBackend first(PjrtClient client, DotGeneral.Precision dotFloor) {
        if (client.devices().isEmpty()) {
            client.close();
            throw new IllegalStateException("PJRT plugin " + client.plugin().path() + " lists no addressable devices");
        }
        return new PjrtBackend(client, client.devices().get(0), true, dotFloor);
    }

    /**
     * The backend a run config or command line asks for: {@code plugin} (null: discovery) and, for the CUDA
     * plugin, an optional {@code memoryFraction} of device memory to pool at start.
     */
    public static PjrtBackend open(String plugin, Double memoryFraction) { return open(plugin, memoryFraction, ProcessGroup.single()); }

    /**
     * As {@link #open(String, Double)} for one of {@code processes}: with several, the client is created with their
     * key-value store (and, for the CUDA plugin, node_id and num_nodes), and creation waits for every process.
     */
    public static PjrtBackend open(String plugin, Double memoryFraction, ProcessGroup processes) {
        Path path = PluginDiscovery.system().find(plugin == null ? null : Path.of(plugin));
        ClientOptions options = ClientOptions.forPlugin(path, memoryFraction).forProcess(path, processes.processIndex(), processes.processCount());
        if (processes.processCount() == 1) return open(path, options);
        KeyValueStore store = processes.keyValueStore().orElseThrow(() -> new IllegalArgumentException(processes + " share no key-value store"));
        return first(PjrtClient.create(PjrtPlugin.load(path), options, store), DotGeneral.Precision.DEFAULT);
    }

    public PjrtClient client() { return client; }

    public PjrtDevice device() { return device; }

    @Override
    public String platform() { return client.platformName(); }

    @Override
    public BackendCapabilities capabilities() { return new BackendCapabilities(platform(), Precision.BF16_MIXED); }

    @Override
    public String deviceDescription() {
        List<PjrtDevice> devices = client.devices();
        return devices.isEmpty() ? platform() : devices.size() + " x " + devices.get(0).kind();
    }

    /** The StableHLO module this backend compiles for {@code graph}. */
    public StableHloModule emit(Graph graph) { return emitter.emit(graph); }

    /** The StableHLO module this backend compiles for {@code program}: leaves named, only the donated ones donors. */
    public StableHloModule emit(Program program) { return emitter.emit(program); }

    @Override
    public Executable compile(Graph graph) { return compile(graph, emit(graph)); }

    @Override
    public CompiledProgram compile(Program program) {
        return new CompiledProgram(program.name(), program.signature(), compile(program.graph(), emit(program)));
    }

    private Executable compile(Graph graph, StableHloModule module) {
        if (module.numPartitions() > 1) {
            throw new UnsupportedOperationException("graph " + graph.name() + " is sharded over " + module.numPartitions()
                    + " devices; this backend runs single-device programs (compile sharded ones with PjrtClient.compile and CompileOptions.forModule, and run them with ShardedArray.execute)");
        }
        List<TensorType> outputs = graph.outputs().stream().map(Value::type).toList();
        PjrtLoadedExecutable exe = client.compile(module.text(), CompileOptions.singleDevice(device.id()), outputs);
        return new GraphExecutable(graph.name(), graph.parameterTypes(), exe);
    }

    @Override
    public DeviceBuffer put(HostTensor tensor) { return client.put(tensor, device); }

    @Override
    public HostTensor get(DeviceBuffer buffer) { return client.get(pjrt(buffer)); }

    @Override
    public void close() { if (ownsClient) client.close(); }

    private static PjrtBuffer pjrt(DeviceBuffer b) {
        if (b instanceof PjrtBuffer p) return p;
        throw new IllegalArgumentException("buffer " + b + " belongs to another backend; put its host tensor on this one first");
    }

    private record GraphExecutable(String name, List<TensorType> parameterTypes, PjrtLoadedExecutable exe) implements Executable {
        @Override
        public List<DeviceBuffer> execute(List<DeviceBuffer> args, Set<Integer> donated) {
            if (args.size() != parameterTypes.size()) throw new IllegalArgumentException(name + ": expected " + parameterTypes.size() + " arguments, got " + args.size());
            List<PjrtBuffer> in = new ArrayList<>(args.size());
            for (int i = 0; i < args.size(); i++) {
                PjrtBuffer b = pjrt(args.get(i));
                if (!b.type().equals(parameterTypes.get(i))) throw new IllegalArgumentException(name + ": argument " + i + " should be " + parameterTypes.get(i) + ", got " + b.type());
                if (b.isDeleted()) throw new IllegalArgumentException(name + ": argument " + i + " was already released or donated");
                in.add(b);
            }
            return List.copyOf(exe.execute(List.of(in), donated).get(0));
        }

        @Override
        public void close() { exe.close(); }
    }
}
