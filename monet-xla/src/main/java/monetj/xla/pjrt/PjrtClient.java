package monetj.xla.pjrt;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;
import monetj.xla.pjrt.PjrtStructs.BufferToHostBufferArgs;
import monetj.xla.pjrt.PjrtStructs.ClientBufferFromHostBufferArgs;
import monetj.xla.pjrt.PjrtStructs.ClientCompileArgs;

/**
 * A PJRT client: the devices of one plugin, compilation and transfers. With several processes, each creates its
 * own client; {@link #globalDevices} are then every process's devices and {@link #devices} this process's.
 */
public final class PjrtClient extends NativeHandle {
    final PjrtApi api;
    private final PjrtPlugin plugin;
    private final List<PjrtDevice> globalDevices;
    private final List<PjrtDevice> devices;
    /**
     * The destroy actions of buffers and executables made by this client and not destroyed yet, held strongly: a
     * child that became unreachable is still here until its Cleaner ran, so close() can destroy it first.
     */
    private final java.util.Set<NativeHandle.Destroy> children = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Children's destroys share it; the client's close holds it exclusively, so none runs during or after it. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock lifecycle = new java.util.concurrent.locks.ReentrantReadWriteLock();
    private boolean destroyed;
    /** The key-value upcalls the plugin may call for the client's whole life; null without a store. */
    private final KeyValueCallbacks keyValue;

    private PjrtClient(PjrtPlugin plugin, MemorySegment address, KeyValueCallbacks keyValue) {
        super(plugin.api, address, PjrtFunction.CLIENT_DESTROY, PjrtStructs.ClientDestroyArgs.STRUCT_SIZE, PjrtStructs.ClientDestroyArgs.CLIENT, null);
        this.plugin = plugin;
        this.api = plugin.api;
        this.keyValue = keyValue;
        this.globalDevices = readDevices(PjrtFunction.CLIENT_DEVICES);
        List<PjrtDevice> addressable = new ArrayList<>();
        for (PjrtDevice d : readDevices(PjrtFunction.CLIENT_ADDRESSABLE_DEVICES)) { // the same devices as in the global list
            addressable.add(globalDevices.stream().filter(g -> g.handle().equals(d.handle())).findFirst()
                    .orElseThrow(() -> new IllegalStateException(plugin.path() + " lists addressable " + d + " among none of its devices")));
        }
        this.devices = List.copyOf(addressable);
    }

    public static PjrtClient create(PjrtPlugin plugin, ClientOptions options) { return create(plugin, options, null); }

    /**
     * A client whose plugin exchanges what a multi-process client needs (topology, collective ids) through
     * {@code store} (null: none, a single-process client). Creation blocks until every process has created its client.
     */
    public static PjrtClient create(PjrtPlugin plugin, ClientOptions options, monetj.core.dist.KeyValueStore store) {
        MemorySegment client;
        KeyValueCallbacks callbacks = store == null ? null : new KeyValueCallbacks(store);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = PjrtApi.args(arena, PjrtStructs.ClientCreateArgs.STRUCT_SIZE);
            a.set(ADDRESS, PjrtStructs.ClientCreateArgs.CREATE_OPTIONS, options.encode(arena));
            a.set(JAVA_LONG, PjrtStructs.ClientCreateArgs.NUM_OPTIONS, options.values().size());
            if (callbacks != null) callbacks.install(a);
            plugin.api.call(PjrtFunction.CLIENT_CREATE, a);
            client = a.get(ADDRESS, PjrtStructs.ClientCreateArgs.CLIENT);
        } catch (RuntimeException e) {
            if (callbacks != null) callbacks.close();
            throw e;
        }
        return new PjrtClient(plugin, client, callbacks);
    }

    public PjrtPlugin plugin() { return plugin; }

    /** E.g. "cuda", "tpu", "cpu". */
    public String platformName() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = PjrtApi.args(arena, PjrtStructs.ClientPlatformNameArgs.STRUCT_SIZE);
            a.set(ADDRESS, PjrtStructs.ClientPlatformNameArgs.CLIENT, address());
            api.call(PjrtFunction.CLIENT_PLATFORM_NAME, a);
            return PjrtApi.string(a.get(ADDRESS, PjrtStructs.ClientPlatformNameArgs.PLATFORM_NAME), a.get(JAVA_LONG, PjrtStructs.ClientPlatformNameArgs.PLATFORM_NAME_SIZE));
        }
    }

    public String platformVersion() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = PjrtApi.args(arena, PjrtStructs.ClientPlatformVersionArgs.STRUCT_SIZE);
            a.set(ADDRESS, PjrtStructs.ClientPlatformVersionArgs.CLIENT, address());
            api.call(PjrtFunction.CLIENT_PLATFORM_VERSION, a);
            return PjrtApi.string(a.get(ADDRESS, PjrtStructs.ClientPlatformVersionArgs.PLATFORM_VERSION), a.get(JAVA_LONG, PjrtStructs.ClientPlatformVersionArgs.PLATFORM_VERSION_SIZE));
        }
    }

    /** The devices this process can use (its addressable devices), in the client's order. */
    public List<PjrtDevice> devices() { return devices; }

    /** The devices of every process of the run, each with its process index, in the client's order. */
    public List<PjrtDevice> globalDevices() { return globalDevices; }

    /** Whether {@code device} is one of this process's. */
    public boolean isAddressable(PjrtDevice device) { return devices.contains(device); }

    /** This process's index among the processes whose devices the client lists (0 for one process). */
    public int processIndex() { return devices.isEmpty() ? 0 : devices.get(0).processIndex(); }

    /** How many processes own the client's devices. */
    public int processCount() { return (int) globalDevices.stream().mapToInt(PjrtDevice::processIndex).distinct().count(); }

    /** Client_Devices and Client_AddressableDevices share one args layout. */
    private List<PjrtDevice> readDevices(PjrtFunction which) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = PjrtApi.args(arena, PjrtStructs.ClientDevicesArgs.STRUCT_SIZE);
            a.set(ADDRESS, PjrtStructs.ClientDevicesArgs.CLIENT, address());
            api.call(which, a);
            return deviceList(a.get(ADDRESS, PjrtStructs.ClientDevicesArgs.DEVICES), a.get(JAVA_LONG, PjrtStructs.ClientDevicesArgs.NUM_DEVICES));
        }
    }

    /** Describes the devices of a plugin-owned array of {@code PJRT_Device*}. */
    List<PjrtDevice> deviceList(MemorySegment array, long n) {
        MemorySegment ptrs = array.reinterpret(n * ADDRESS.byteSize());
        List<PjrtDevice> out = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            for (long i = 0; i < n; i++) {
                MemorySegment device = ptrs.getAtIndex(ADDRESS, i);
                MemorySegment d = PjrtApi.args(arena, PjrtStructs.DeviceGetDescriptionArgs.STRUCT_SIZE);
                d.set(ADDRESS, PjrtStructs.DeviceGetDescriptionArgs.DEVICE, device);
                api.call(PjrtFunction.DEVICE_GET_DESCRIPTION, d);
                MemorySegment desc = d.get(ADDRESS, PjrtStructs.DeviceGetDescriptionArgs.DEVICE_DESCRIPTION);

                MemorySegment id = PjrtApi.args(arena, PjrtStructs.DeviceDescriptionIdArgs.STRUCT_SIZE);
                id.set(ADDRESS, PjrtStructs.DeviceDescriptionIdArgs.DEVICE_DESCRIPTION, desc);
                api.call(PjrtFunction.DEVICE_DESCRIPTION_ID, id);
                MemorySegment kind = PjrtApi.args(arena, PjrtStructs.DeviceDescriptionKindArgs.STRUCT_SIZE);
                kind.set(ADDRESS, PjrtStructs.DeviceDescriptionKindArgs.DEVICE_DESCRIPTION, desc);
                api.call(PjrtFunction.DEVICE_DESCRIPTION_KIND, kind);
                MemorySegment proc = PjrtApi.args(arena, PjrtStructs.DeviceDescriptionProcessIndexArgs.STRUCT_SIZE);
                proc.set(ADDRESS, PjrtStructs.DeviceDescriptionProcessIndexArgs.DEVICE_DESCRIPTION, desc);
                api.call(PjrtFunction.DEVICE_DESCRIPTION_PROCESS_INDEX, proc);
                MemorySegment local = PjrtApi.args(arena, PjrtStructs.DeviceLocalHardwareIdArgs.STRUCT_SIZE);
                local.set(ADDRESS, PjrtStructs.DeviceLocalHardwareIdArgs.DEVICE, device);
                api.call(PjrtFunction.DEVICE_LOCAL_HARDWARE_ID, local);

                out.add(new PjrtDevice(device, id.get(JAVA_INT, PjrtStructs.DeviceDescriptionIdArgs.ID),
                        PjrtApi.string(kind.get(ADDRESS, PjrtStructs.DeviceDescriptionKindArgs.DEVICE_KIND), kind.get(JAVA_LONG, PjrtStructs.DeviceDescriptionKindArgs.DEVICE_KIND_SIZE)),
                        proc.get(JAVA_INT, PjrtStructs.DeviceDescriptionProcessIndexArgs.PROCESS_INDEX),
                        local.get(JAVA_INT, PjrtStructs.DeviceLocalHardwareIdArgs.LOCAL_HARDWARE_ID)));
            }
        }
        return List.copyOf(out);
    }

    /** Memory in use and the limit, or null where the plugin does not report memory statistics. */
    public MemoryStats memoryStats(PjrtDevice device) {
        if (!api.has(PjrtFunction.DEVICE_MEMORY_STATS)) return null;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = PjrtApi.args(arena, PjrtStructs.DeviceMemoryStatsArgs.STRUCT_SIZE);
            a.set(ADDRESS, PjrtStructs.DeviceMemoryStatsArgs.DEVICE, device.handle());
            api.call(PjrtFunction.DEVICE_MEMORY_STATS, a);
            boolean limitSet = a.get(JAVA_BOOLEAN, PjrtStructs.DeviceMemoryStatsArgs.BYTES_LIMIT_IS_SET);
            return new MemoryStats(a.get(JAVA_LONG, PjrtStructs.DeviceMemoryStatsArgs.BYTES_IN_USE),
                    limitSet ? a.get(JAVA_LONG, PjrtStructs.DeviceMemoryStatsArgs.BYTES_LIMIT) : -1);
        } catch (PjrtException e) {
            if (e.code() == PjrtErrorCode.UNIMPLEMENTED) return null;
            throw e;
        }
    }

    /**
     * Compiles StableHLO text. {@code outputTypes} are the per-device result types the program declares; they
     * are checked against the executable's output count.
     */
    public PjrtLoadedExecutable compile(String mlir, CompileOptions options, List<TensorType> outputTypes) {
        MemorySegment executable;
        try (Arena arena = Arena.ofConfined()) {
            byte[] code = mlir.getBytes(StandardCharsets.UTF_8);
            byte[] format = "mlir".getBytes(StandardCharsets.US_ASCII);
            byte[] opts = options.encode();
            MemorySegment program = PjrtApi.args(arena, PjrtStructs.Program.STRUCT_SIZE);
            program.set(ADDRESS, PjrtStructs.Program.CODE, arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, code));
            program.set(JAVA_LONG, PjrtStructs.Program.CODE_SIZE, code.length);
            program.set(ADDRESS, PjrtStructs.Program.FORMAT, arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, format));
            program.set(JAVA_LONG, PjrtStructs.Program.FORMAT_SIZE, format.length);
            MemorySegment a = PjrtApi.args(arena, ClientCompileArgs.STRUCT_SIZE);
            a.set(ADDRESS, ClientCompileArgs.CLIENT, address());
            a.set(ADDRESS, ClientCompileArgs.PROGRAM, program);
            a.set(ADDRESS, ClientCompileArgs.COMPILE_OPTIONS, arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, opts));
            a.set(JAVA_LONG, ClientCompileArgs.COMPILE_OPTIONS_SIZE, opts.length);
            api.call(PjrtFunction.CLIENT_COMPILE, a);
            executable = a.get(ADDRESS, ClientCompileArgs.EXECUTABLE);
        }
        List<PjrtDevice> exeDevices;
        long outputs;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment d = PjrtApi.args(arena, PjrtStructs.LoadedExecutableAddressableDevicesArgs.STRUCT_SIZE);
            d.set(ADDRESS, PjrtStructs.LoadedExecutableAddressableDevicesArgs.EXECUTABLE, executable);
            api.call(PjrtFunction.LOADED_EXECUTABLE_ADDRESSABLE_DEVICES, d);
            exeDevices = matchDevices(d.get(ADDRESS, PjrtStructs.LoadedExecutableAddressableDevicesArgs.ADDRESSABLE_DEVICES),
                    d.get(JAVA_LONG, PjrtStructs.LoadedExecutableAddressableDevicesArgs.NUM_ADDRESSABLE_DEVICES));
            outputs = numOutputs(arena, executable);
        } catch (RuntimeException e) {
            destroyLoadedExecutable(executable);
            throw e;
        }
        PjrtLoadedExecutable exe = new PjrtLoadedExecutable(this, executable, exeDevices, outputTypes, LaunchIds.seed(mlir));
        if (outputs != outputTypes.size()) {
            exe.close();
            throw new IllegalStateException("compiled program has " + outputs + " outputs, but " + outputTypes.size() + " were declared");
        }
        return exe;
    }

    private List<PjrtDevice> matchDevices(MemorySegment array, long n) {
        MemorySegment ptrs = array.reinterpret(n * ADDRESS.byteSize());
        List<PjrtDevice> out = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            MemorySegment p = ptrs.getAtIndex(ADDRESS, i);
            out.add(devices.stream().filter(d -> d.handle().equals(p)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("executable runs on a device the client did not list (" + p + ")")));
        }
        return List.copyOf(out);
    }

    private long numOutputs(Arena arena, MemorySegment loaded) {
        MemorySegment g = PjrtApi.args(arena, PjrtStructs.LoadedExecutableGetExecutableArgs.STRUCT_SIZE);
        g.set(ADDRESS, PjrtStructs.LoadedExecutableGetExecutableArgs.LOADED_EXECUTABLE, loaded);
        api.call(PjrtFunction.LOADED_EXECUTABLE_GET_EXECUTABLE, g);
        MemorySegment exe = g.get(ADDRESS, PjrtStructs.LoadedExecutableGetExecutableArgs.EXECUTABLE);
        try {
            MemorySegment n = PjrtApi.args(arena, PjrtStructs.ExecutableNumOutputsArgs.STRUCT_SIZE);
            n.set(ADDRESS, PjrtStructs.ExecutableNumOutputsArgs.EXECUTABLE, exe);
            api.call(PjrtFunction.EXECUTABLE_NUM_OUTPUTS, n);
            return n.get(JAVA_LONG, PjrtStructs.ExecutableNumOutputsArgs.NUM_OUTPUTS);
        } finally {
            MemorySegment x = PjrtApi.args(arena, PjrtStructs.ExecutableDestroyArgs.STRUCT_SIZE);
            x.set(ADDRESS, PjrtStructs.ExecutableDestroyArgs.EXECUTABLE, exe);
            api.call(PjrtFunction.EXECUTABLE_DESTROY, x);
        }
    }

    private void destroyLoadedExecutable(MemorySegment executable) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = PjrtApi.args(arena, PjrtStructs.LoadedExecutableDestroyArgs.STRUCT_SIZE);
            x.set(ADDRESS, PjrtStructs.LoadedExecutableDestroyArgs.EXECUTABLE, executable);
            api.call(PjrtFunction.LOADED_EXECUTABLE_DESTROY, x);
        }
    }

    /**
     * Copies a host tensor to {@code device}. The host bytes are kept alive and unchanged until the plugin's
     * done-with-host-buffer event fires, which this call awaits before returning.
     */
    public PjrtBuffer put(HostTensor tensor, PjrtDevice device) {
        MemorySegment buffer;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = tensor.data();
            if (!data.isNative()) { // the plugin reads native memory only
                MemorySegment copy = arena.allocate(Math.max(1, data.byteSize()), 64);
                MemorySegment.copy(data, 0, copy, 0, data.byteSize());
                data = copy;
            }
            long[] dims = new long[tensor.shape().rank()];
            for (int i = 0; i < dims.length; i++) dims[i] = tensor.shape().dim(i);
            MemorySegment a = PjrtApi.args(arena, ClientBufferFromHostBufferArgs.STRUCT_SIZE);
            a.set(ADDRESS, ClientBufferFromHostBufferArgs.CLIENT, address());
            a.set(ADDRESS, ClientBufferFromHostBufferArgs.DATA, data);
            a.set(JAVA_INT, ClientBufferFromHostBufferArgs.TYPE, BufferTypes.of(tensor.dtype()));
            a.set(ADDRESS, ClientBufferFromHostBufferArgs.DIMS, dims.length == 0 ? MemorySegment.NULL : arena.allocateFrom(JAVA_LONG, dims));
            a.set(JAVA_LONG, ClientBufferFromHostBufferArgs.NUM_DIMS, dims.length);
            a.set(JAVA_INT, ClientBufferFromHostBufferArgs.HOST_BUFFER_SEMANTICS, ClientBufferFromHostBufferArgs.IMMUTABLE_UNTIL_TRANSFER_COMPLETES);
            a.set(ADDRESS, ClientBufferFromHostBufferArgs.DEVICE, device.handle());
            api.call(PjrtFunction.CLIENT_BUFFER_FROM_HOST_BUFFER, a);
            buffer = a.get(ADDRESS, ClientBufferFromHostBufferArgs.BUFFER);
            MemorySegment done = a.get(ADDRESS, ClientBufferFromHostBufferArgs.DONE_WITH_HOST_BUFFER);
            try {
                api.awaitAndDestroy(done, "done_with_host_buffer"); // only now may the arena free the host copy
            } catch (RuntimeException e) {
                new PjrtBuffer(this, buffer, tensor.type(), device).close();
                throw e;
            }
        }
        return new PjrtBuffer(this, buffer, tensor.type(), device);
    }

    /** Copies a buffer to the host, waiting for the transfer (and the computation producing it). */
    public HostTensor get(PjrtBuffer buffer) {
        TensorType type = buffer.type();
        MemorySegment dst = Arena.ofAuto().allocate(Math.max(1, type.shape().size() * type.dtype().byteSize()), 64);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = PjrtApi.args(arena, BufferToHostBufferArgs.STRUCT_SIZE);
            a.set(ADDRESS, BufferToHostBufferArgs.SRC, buffer.address());
            api.call(PjrtFunction.BUFFER_TO_HOST_BUFFER, a); // dst NULL: asks for the size
            long size = a.get(JAVA_LONG, BufferToHostBufferArgs.DST_SIZE);
            long expected = type.shape().size() * type.dtype().byteSize();
            if (size != expected) throw new IllegalStateException("device buffer " + type + " has " + size + " bytes on the host, expected " + expected);
            a.set(ADDRESS, BufferToHostBufferArgs.DST, dst);
            api.call(PjrtFunction.BUFFER_TO_HOST_BUFFER, a);
            api.awaitAndDestroy(a.get(ADDRESS, BufferToHostBufferArgs.EVENT), "device-to-host transfer"); // dst is filled only then
            java.lang.ref.Reference.reachabilityFence(buffer); // its Cleaner must not destroy it while the copy runs
            return new HostTensor(type, dst.asSlice(0, size));
        }
    }

    void adopt(NativeHandle.Destroy child) { children.add(child); }

    /** Runs a child's destroy once: whoever removes it from {@link #children} (this, or the client's close) destroys it. */
    void destroyChild(NativeHandle.Destroy child) {
        lifecycle.readLock().lock();
        try {
            if (children.remove(child)) child.destroyNow();
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Destroys the buffers and executables not destroyed yet first: destroying them after their client would be a use after free. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (destroyed) return;
            for (NativeHandle.Destroy child : List.copyOf(children)) {
                if (children.remove(child)) child.destroyNow();
            }
            super.close();
            destroyed = true;
            if (keyValue != null) keyValue.close();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    @Override
    public String toString() { return "PjrtClient(" + plugin + ")"; }
}
