package monetj.xla.pjrt;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import monetj.core.tensor.TensorType;
import monetj.xla.pjrt.PjrtStructs.ExecuteOptions;
import monetj.xla.pjrt.PjrtStructs.LoadedExecutableExecuteArgs;

/**
 * A compiled program on a client's devices. Arguments and results are given per device, in the order of
 * the executable's addressable devices (which follows its device assignment).
 */
public final class PjrtLoadedExecutable extends NativeHandle {
    private final PjrtClient client;
    private final List<PjrtDevice> devices;
    private final List<TensorType> outputTypes;
    private final AtomicInteger launches = new AtomicInteger();

    PjrtLoadedExecutable(PjrtClient client, MemorySegment address, List<PjrtDevice> devices, List<TensorType> outputTypes) {
        super(client.api, address, PjrtFunction.LOADED_EXECUTABLE_DESTROY, PjrtStructs.LoadedExecutableDestroyArgs.STRUCT_SIZE,
                PjrtStructs.LoadedExecutableDestroyArgs.EXECUTABLE, client);
        this.client = client;
        this.devices = devices;
        this.outputTypes = List.copyOf(outputTypes);
    }

    /** The devices this executable runs on, in argument-list order. */
    public List<PjrtDevice> devices() { return devices; }

    public List<TensorType> outputTypes() { return outputTypes; }

    /**
     * Runs once. {@code arguments.get(d)} are the arguments on device d; the arguments whose indices are in
     * {@code donated} are given up (their memory may hold results; their handles are released here), all
     * others are passed as non-donatable. Returns the results per device. Execution is asynchronous: errors
     * that happen on the device surface when a result is read.
     */
    public List<List<PjrtBuffer>> execute(List<List<PjrtBuffer>> arguments, Set<Integer> donated) {
        int nDevices = devices.size();
        if (arguments.size() != nDevices) throw new IllegalArgumentException("executable runs on " + nDevices + " devices, got argument lists for " + arguments.size());
        int nArgs = arguments.get(0).size();
        for (int i : donated) if (i < 0 || i >= nArgs) throw new IllegalArgumentException("donated argument index " + i + " out of range for " + nArgs + " arguments");
        int nOut = outputTypes.size();
        PjrtApi api = client.api;
        List<List<PjrtBuffer>> results = new ArrayList<>(nDevices);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment options = PjrtApi.args(arena, ExecuteOptions.STRUCT_SIZE);
            options.set(JAVA_INT, ExecuteOptions.LAUNCH_ID, launches.incrementAndGet());
            long[] keep = new long[nArgs - donated.size()];
            for (int i = 0, k = 0; i < nArgs; i++) if (!donated.contains(i)) keep[k++] = i;
            if (keep.length > 0) {
                options.set(ADDRESS, ExecuteOptions.NON_DONATABLE_INPUT_INDICES, arena.allocateFrom(JAVA_LONG, keep));
                options.set(JAVA_LONG, ExecuteOptions.NUM_NON_DONATABLE_INPUT_INDICES, keep.length);
            }
            MemorySegment argLists = arena.allocate(ADDRESS, nDevices);
            MemorySegment outLists = arena.allocate(ADDRESS, nDevices);
            for (int d = 0; d < nDevices; d++) {
                List<PjrtBuffer> args = arguments.get(d);
                if (args.size() != nArgs) throw new IllegalArgumentException("device " + d + " has " + args.size() + " arguments, device 0 has " + nArgs);
                MemorySegment list = arena.allocate(ADDRESS, Math.max(1, nArgs));
                for (int i = 0; i < nArgs; i++) list.setAtIndex(ADDRESS, i, args.get(i).address());
                argLists.setAtIndex(ADDRESS, d, list);
                outLists.setAtIndex(ADDRESS, d, arena.allocate(ADDRESS, Math.max(1, nOut)));
            }
            MemorySegment a = PjrtApi.args(arena, LoadedExecutableExecuteArgs.STRUCT_SIZE);
            a.set(ADDRESS, LoadedExecutableExecuteArgs.EXECUTABLE, address());
            a.set(ADDRESS, LoadedExecutableExecuteArgs.OPTIONS, options);
            a.set(ADDRESS, LoadedExecutableExecuteArgs.ARGUMENT_LISTS, argLists);
            a.set(JAVA_LONG, LoadedExecutableExecuteArgs.NUM_DEVICES, nDevices);
            a.set(JAVA_LONG, LoadedExecutableExecuteArgs.NUM_ARGS, nArgs);
            a.set(ADDRESS, LoadedExecutableExecuteArgs.OUTPUT_LISTS, outLists);
            // device_complete_events stays NULL: completion is observed through the results' transfers, which
            // wait for the computation, so no event per launch has to be created and destroyed.
            api.call(PjrtFunction.LOADED_EXECUTABLE_EXECUTE, a);
            for (int d = 0; d < nDevices; d++) {
                MemorySegment list = outLists.getAtIndex(ADDRESS, d).reinterpret(ADDRESS.byteSize() * Math.max(1, nOut));
                List<PjrtBuffer> outs = new ArrayList<>(nOut);
                for (int o = 0; o < nOut; o++) outs.add(new PjrtBuffer(client, list.getAtIndex(ADDRESS, o), outputTypes.get(o), devices.get(d)));
                results.add(outs);
            }
        }
        for (List<PjrtBuffer> args : arguments) for (int i : donated) args.get(i).close();
        return results;
    }
}
