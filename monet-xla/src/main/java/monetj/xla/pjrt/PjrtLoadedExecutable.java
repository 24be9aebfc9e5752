package monetj.xla.pjrt;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
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
    private final AtomicLong launches = new AtomicLong();
    private final int launchSeed;

    /** {@code launchSeed}: see {@link LaunchIds}. */
    PjrtLoadedExecutable(PjrtClient client, MemorySegment address, List<PjrtDevice> devices, List<TensorType> outputTypes, int launchSeed) {
        super(client.api, address, PjrtFunction.LOADED_EXECUTABLE_DESTROY, PjrtStructs.LoadedExecutableDestroyArgs.STRUCT_SIZE,
                PjrtStructs.LoadedExecutableDestroyArgs.EXECUTABLE, client);
        this.client = client;
        this.devices = devices;
        this.outputTypes = List.copyOf(outputTypes);
        this.launchSeed = launchSeed;
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
        long[] keep = new long[nArgs - donated.size()];
        for (int i = 0, k = 0; i < nArgs; i++) if (!donated.contains(i)) keep[k++] = i;
        // One zeroed block holds every struct and array of the call: execution is the hot path of a training
        // loop, and one allocation costs less than ten.
        long argsAt = (ExecuteOptions.STRUCT_SIZE + 7) & ~7L;
        long keepAt = argsAt + LoadedExecutableExecuteArgs.STRUCT_SIZE;
        long argListsAt = keepAt + 8L * keep.length;
        long outListsAt = argListsAt + 8L * nDevices;
        long perDeviceAt = outListsAt + 8L * nDevices;
        long perDevice = 8L * (nArgs + nOut);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(perDeviceAt + perDevice * nDevices, 8);
            MemorySegment options = block.asSlice(0, ExecuteOptions.STRUCT_SIZE);
            options.set(JAVA_LONG, PjrtStructs.STRUCT_SIZE_FIELD, ExecuteOptions.STRUCT_SIZE);
            options.set(JAVA_INT, ExecuteOptions.LAUNCH_ID, LaunchIds.of(launchSeed, launches.getAndIncrement()));
            if (keep.length > 0) {
                MemorySegment.copy(keep, 0, block, JAVA_LONG, keepAt, keep.length);
                options.set(ADDRESS, ExecuteOptions.NON_DONATABLE_INPUT_INDICES, block.asSlice(keepAt));
                options.set(JAVA_LONG, ExecuteOptions.NUM_NON_DONATABLE_INPUT_INDICES, keep.length);
            }
            for (int d = 0; d < nDevices; d++) {
                List<PjrtBuffer> args = arguments.get(d);
                if (args.size() != nArgs) throw new IllegalArgumentException("device " + d + " has " + args.size() + " arguments, device 0 has " + nArgs);
                long at = perDeviceAt + perDevice * d;
                for (int i = 0; i < nArgs; i++) block.set(ADDRESS, at + 8L * i, args.get(i).address());
                block.set(ADDRESS, argListsAt + 8L * d, block.asSlice(at));
                block.set(ADDRESS, outListsAt + 8L * d, block.asSlice(at + 8L * nArgs));
            }
            MemorySegment a = block.asSlice(argsAt, LoadedExecutableExecuteArgs.STRUCT_SIZE);
            a.set(JAVA_LONG, PjrtStructs.STRUCT_SIZE_FIELD, LoadedExecutableExecuteArgs.STRUCT_SIZE);
            a.set(ADDRESS, LoadedExecutableExecuteArgs.EXECUTABLE, address());
            a.set(ADDRESS, LoadedExecutableExecuteArgs.OPTIONS, options);
            a.set(ADDRESS, LoadedExecutableExecuteArgs.ARGUMENT_LISTS, block.asSlice(argListsAt));
            a.set(JAVA_LONG, LoadedExecutableExecuteArgs.NUM_DEVICES, nDevices);
            a.set(JAVA_LONG, LoadedExecutableExecuteArgs.NUM_ARGS, nArgs);
            a.set(ADDRESS, LoadedExecutableExecuteArgs.OUTPUT_LISTS, block.asSlice(outListsAt));
            // device_complete_events stays NULL: completion is observed through the results' transfers, which
            // wait for the computation, so no event per launch has to be created and destroyed.
            api.call(PjrtFunction.LOADED_EXECUTABLE_EXECUTE, a);
            for (int d = 0; d < nDevices; d++) {
                long at = perDeviceAt + perDevice * d + 8L * nArgs;
                List<PjrtBuffer> outs = new ArrayList<>(nOut);
                for (int o = 0; o < nOut; o++) outs.add(new PjrtBuffer(client, block.get(ADDRESS, at + 8L * o), outputTypes.get(o), devices.get(d)));
                results.add(outs);
            }
        }
        for (List<PjrtBuffer> args : arguments) for (int i : donated) args.get(i).close();
        java.lang.ref.Reference.reachabilityFence(this); // not destroyed by its Cleaner while the launch runs
        return results;
    }
}
