package monetj.xla.pjrt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import monetj.core.ir.Sharding;
import monetj.core.ir.Value;
import monetj.core.nn.Precision;
import monetj.core.program.Program;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;
import monetj.xla.stablehlo.OpEmissions;
import monetj.xla.stablehlo.Partitioner;
import monetj.xla.stablehlo.StableHloEmitter;
import monetj.xla.stablehlo.StableHloModule;

/**
 * The {@link Backend} of a PJRT plugin: graphs are emitted as StableHLO and compiled by the plugin's XLA. A program
 * without shardings runs on one device. A program sharded over a mesh of N devices runs on the first N of the
 * client's global devices in process-major order ({@link DeviceAssignment}; its device assignment says so) as N
 * partitions of XLA's SPMD partitioner. With several processes, each runs the same program on its own devices,
 * and XLA and the plugin do the collectives between them. Arguments are {@link ShardedArray}s holding this
 * process's blocks (a host tensor put with a sharding, or this process's rows of it, sends each local device its
 * block); a process runs with one argument list per local device, and its results come back as its blocks under
 * the program's output shardings; fetching one gathers it where this process holds every distinct block (metrics
 * and other replicated values always), else it is refused. Every argument is marked as a possible donor, so any
 * argument can be donated at execution (on every device); the ones not donated in a call are passed as non-donatable.
 */
public final class PjrtBackend implements Backend {
    private final PjrtClient client;
    private final PjrtDevice device;
    private final boolean ownsClient;
    private StableHloEmitter emitter;

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

    /** Writes sharded programs compiled from now on for {@code partitioner} (Shardy unless told: the run's {@code mesh.partitioner}). */
    public PjrtBackend writingFor(Partitioner partitioner) {
        emitter = emitter.withPartitioner(partitioner);
        return this;
    }

    public PjrtDevice device() { return device; }

    @Override
    public String platform() { return client.platformName(); }

    @Override
    public BackendCapabilities capabilities() { return new BackendCapabilities(platform(), Precision.BF16_MIXED); }

    /** Every process's devices together: a mesh may span up to this many. */
    @Override
    public int deviceCount() { return client.globalDevices().size(); }

    /** True when the client's global devices belong to several processes (a multi-process client). */
    @Override
    public boolean spansProcesses() { return client.processCount() > 1; }

    @Override
    public String deviceDescription() {
        List<PjrtDevice> devices = client.globalDevices();
        int processes = client.processCount();
        return devices.isEmpty() ? platform() : devices.size() + " x " + devices.get(0).kind() + (processes > 1 ? " over " + processes + " processes" : "");
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
        List<TensorType> outputs = graph.outputs().stream().map(Value::type).toList();
        if (module.mesh() == null) {
            PjrtLoadedExecutable exe = client.compile(module.text(), CompileOptions.singleDevice(device.id()), outputs);
            return new GraphExecutable(graph.name(), graph.parameterTypes(), exe);
        }
        List<PjrtDevice> devices = meshDevices(module.mesh());
        CompileOptions options = CompileOptions.forModule(module, devices.stream().mapToInt(PjrtDevice::id).toArray());
        if (devices.size() == 1) return new GraphExecutable(graph.name(), graph.parameterTypes(), client.compile(module.text(), options, outputs));
        List<Sharding> in = new ArrayList<>(), out = new ArrayList<>();
        for (var p : graph.parameters()) in.add(shardingOf(graph, p.out(), module.mesh()));
        for (Value v : graph.outputs()) out.add(shardingOf(graph, v, module.mesh()));
        List<TensorType> blocks = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) blocks.add(new TensorType(outputs.get(i).dtype(), out.get(i).shardShape(outputs.get(i).shape())));
        List<String> names = graph.parameters().stream().map(p -> ((monetj.core.ir.Parameter) p.op()).paramName()).toList();
        return new ShardedExecutable(graph.name(), names, graph.parameterTypes(), in, outputs, out, devices, client.compile(module.text(), options, blocks));
    }

    /** A value's sharding; the emitter writes none for values left unannotated, which XLA then replicates. */
    private static Sharding shardingOf(Graph graph, Value v, Sharding.Mesh mesh) {
        Sharding s = graph.shardings().get(v);
        return s != null ? s : Sharding.replicated(mesh, v.type().rank());
    }

    /** The devices of a mesh, in mesh order: the first {@code mesh.deviceCount()} global devices, process-major. */
    public List<PjrtDevice> meshDevices(Sharding.Mesh mesh) { return DeviceAssignment.of(mesh, client.globalDevices(), client.plugin().path()); }

    @Override
    public DeviceBuffer put(HostTensor tensor) { return client.put(tensor, device); }

    /** Whole on the first device without a sharding or on a one-device mesh; else one block per device of this process. */
    @Override
    public DeviceBuffer put(HostTensor tensor, Sharding sharding) {
        if (sharding == null || sharding.mesh().deviceCount() == 1) return put(tensor);
        return ShardedArray.put(client, tensor, sharding, meshDevices(sharding.mesh()));
    }

    /** Each of this process's devices gets its block, cut from this process's rows; a block outside them is refused. */
    @Override
    public DeviceBuffer putRows(HostTensor part, long firstRow, TensorType global, Sharding sharding) {
        if (sharding == null || sharding.mesh().deviceCount() == 1) return Backend.super.putRows(part, firstRow, global, sharding);
        return ShardedArray.putRows(client, part, firstRow, global, sharding, meshDevices(sharding.mesh()));
    }

    /** Only the blocks of this process's devices are needed. */
    @Override
    public DeviceBuffer putBlocks(TensorType type, Sharding sharding, Map<Integer, HostTensor> blocks) {
        if (sharding == null || sharding.mesh().deviceCount() == 1) return Backend.super.putBlocks(type, sharding, blocks);
        return ShardedArray.putBlocks(client, type, sharding, blocks, meshDevices(sharding.mesh()));
    }

    /** A sharded array is gathered from this process's devices (refused where it holds only some blocks); a replicated one (a metric) is read from one. */
    @Override
    public HostTensor get(DeviceBuffer buffer) {
        if (buffer instanceof ShardedArray a) return a.gather(client);
        return client.get(pjrt(buffer));
    }

    @Override
    public Map<Integer, HostTensor> localBlocks(DeviceBuffer buffer, Sharding sharding) {
        if (buffer instanceof ShardedArray a) {
            if (sharding != null && !sharding.equals(a.sharding())) throw new IllegalArgumentException(a + " is not laid out as " + sharding.dims() + " over mesh " + sharding.mesh());
            return a.localBlocks(client);
        }
        return Backend.super.localBlocks(buffer, sharding);
    }

    @Override
    public void close() { if (ownsClient) client.close(); }

    private static PjrtBuffer pjrt(DeviceBuffer b) {
        if (b instanceof PjrtBuffer p) return p;
        if (b instanceof ShardedArray a) throw new IllegalArgumentException(a + " is sharded over " + a.devices().size() + " devices; a program for one device takes whole arrays");
        throw new IllegalArgumentException("buffer " + b + " belongs to another backend; put its host tensor on this one first");
    }

    /** A program of N partitions over {@code devices}: one argument list per device of this process, sharded results. */
    private record ShardedExecutable(String name, List<String> parameterNames, List<TensorType> parameterTypes, List<Sharding> parameterShardings,
            List<TensorType> outputTypes, List<Sharding> outputShardings, List<PjrtDevice> devices, PjrtLoadedExecutable exe) implements Executable {
        @Override
        public List<DeviceBuffer> execute(List<DeviceBuffer> args, Set<Integer> donated) {
            if (args.size() != parameterTypes.size()) throw new IllegalArgumentException(name + ": expected " + parameterTypes.size() + " arguments, got " + args.size());
            List<ShardedArray> in = new ArrayList<>(args.size());
            for (int i = 0; i < args.size(); i++) {
                String what = name + ": argument " + i + " ('" + parameterNames.get(i) + "')";
                Sharding want = parameterShardings.get(i);
                if (!(args.get(i) instanceof ShardedArray a)) {
                    throw new IllegalArgumentException(what + " is " + args.get(i) + ", but the program is sharded over mesh " + want.mesh()
                            + "; put it with its sharding " + want.dims() + " (Backend.put(tensor, sharding))");
                }
                if (!a.type().equals(parameterTypes.get(i))) throw new IllegalArgumentException(what + " should be " + parameterTypes.get(i) + ", got " + a.type());
                if (a.isDeleted()) throw new IllegalArgumentException(what + " was already released or donated");
                if (!a.sharding().equals(want)) {
                    throw new IllegalArgumentException(what + " is laid out as " + a.sharding().dims() + " over mesh " + a.sharding().mesh() + ", the program takes it as "
                            + want.dims() + " over mesh " + want.mesh());
                }
                in.add(a);
            }
            return List.copyOf(ShardedArray.execute(exe, devices, in, donated, outputTypes, outputShardings));
        }

        @Override
        public void close() { exe.close(); }
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
