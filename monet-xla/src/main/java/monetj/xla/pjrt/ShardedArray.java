package monetj.xla.pjrt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntFunction;
import monetj.core.backend.DeviceBuffer;
import monetj.core.ir.Sharding;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorBlocks;
import monetj.core.tensor.TensorType;

/**
 * A global array laid out over the devices of a mesh ({@code devices}, in mesh order; with several processes they
 * are every process's): {@code shards} holds, by mesh position, one buffer for each of this process's devices with
 * that device's block under {@code sharding}. Putting sends each local device only its block; fetching gathers the
 * blocks (a block replicated over some mesh axes is read once), which works where every distinct block is on a
 * device of this process. Its {@link #type} is the global type; it counts as deleted once any shard is (e.g. donated).
 */
public record ShardedArray(TensorType type, Sharding sharding, List<PjrtDevice> devices, Map<Integer, PjrtBuffer> shards) implements DeviceBuffer {
    public ShardedArray {
        if (devices.size() != sharding.mesh().deviceCount()) throw new IllegalArgumentException("mesh " + sharding.mesh() + " spans " + sharding.mesh().deviceCount() + " devices, got " + devices.size());
        TensorType block = new TensorType(type.dtype(), sharding.shardShape(type.shape()));
        for (var e : shards.entrySet()) {
            PjrtBuffer b = e.getValue();
            if (!b.type().equals(block)) throw new IllegalArgumentException("a shard of " + type + " under " + sharding.dims() + " is " + block + ", got " + b.type());
            if (!b.device().equals(devices.get(e.getKey()))) throw new IllegalArgumentException("the shard of mesh position " + e.getKey() + " lies on " + b.device() + ", not on " + devices.get(e.getKey()));
        }
        devices = List.copyOf(devices);
        shards = Collections.unmodifiableMap(new TreeMap<>(shards));
    }

    /** Puts {@code whole} as one buffer per device of this process among {@code devices} (the mesh's, in mesh order). */
    public static ShardedArray put(PjrtClient client, HostTensor whole, Sharding sharding, List<PjrtDevice> devices) {
        sharding.check(whole.shape());
        return of(client, whole.type(), sharding, devices, d -> TensorBlocks.block(whole, sharding, d));
    }

    /**
     * Puts an array of {@code type} from its blocks by mesh position: each device of this process among {@code devices}
     * (in mesh order) receives its block, given under its own position or under that of a device holding the same
     * block. Blocks only other processes' devices hold are not needed (and not used).
     */
    public static ShardedArray putBlocks(PjrtClient client, TensorType type, Sharding sharding, Map<Integer, HostTensor> blocks, List<PjrtDevice> devices) {
        sharding.check(type.shape());
        return of(client, type, sharding, devices, d -> {
            HostTensor block = TensorBlocks.replicaOf(type.shape(), sharding, blocks, d);
            if (block.dtype() != type.dtype()) throw new IllegalArgumentException("a block of " + type + " is " + block.dtype());
            return block;
        });
    }

    /**
     * Puts this process's rows of a global array of type {@code global}: {@code part} is its rows {@code [firstRow,
     * firstRow + part rows)} along dimension 0, and each device of this process receives its block cut from them,
     * which must lie inside them.
     */
    public static ShardedArray putRows(PjrtClient client, HostTensor part, long firstRow, TensorType global, Sharding sharding, List<PjrtDevice> devices) {
        sharding.check(global.shape());
        int rank = global.shape().rank();
        boolean sameRows = rank > 0 && part.shape().rank() == rank;
        for (int d = 1; sameRows && d < rank; d++) sameRows = part.shape().dim(d) == global.shape().dim(d);
        long rows = rank == 0 ? 0 : part.shape().dim(0);
        if (part.dtype() != global.dtype() || !sameRows || firstRow < 0 || firstRow + rows > global.shape().dim(0)) {
            throw new IllegalArgumentException("rows " + firstRow + ".. of " + global + " cannot be " + part.type() + ": the rows must be a run of the global array's rows, of its dtype and its other dimensions");
        }
        int[] partStart = new int[rank];
        partStart[0] = (int) firstRow;
        int blockRows = sharding.shardShape(global.shape()).dim(0);
        return of(client, global, sharding, devices, d -> {
            int[] start = TensorBlocks.start(sharding, global.shape(), d);
            long end = start[0] + (long) blockRows;
            if (start[0] < firstRow || end > firstRow + rows) {
                throw new IllegalArgumentException("putRows of " + global + " under " + sharding.dims() + ": " + devices.get(d) + " (mesh position " + d + ") holds rows [" + start[0] + ", " + end
                        + "), but this process gave rows [" + firstRow + ", " + (firstRow + rows) + ")");
            }
            HostTensor block = HostTensor.zeros(global.dtype(), sharding.shardShape(global.shape()));
            TensorBlocks.copyOverlap(part, partStart, block, start);
            return block;
        });
    }

    /** One buffer per device of this process among {@code devices}, holding {@code blockOf(position)}. */
    private static ShardedArray of(PjrtClient client, TensorType type, Sharding sharding, List<PjrtDevice> devices, IntFunction<HostTensor> blockOf) {
        if (devices.size() != sharding.mesh().deviceCount()) throw new IllegalArgumentException("mesh " + sharding.mesh() + " spans " + sharding.mesh().deviceCount() + " devices, got " + devices.size());
        Map<Integer, PjrtBuffer> shards = new LinkedHashMap<>();
        try {
            for (int d = 0; d < devices.size(); d++) if (client.isAddressable(devices.get(d))) shards.put(d, client.put(blockOf.apply(d), devices.get(d)));
        } catch (RuntimeException e) {
            shards.values().forEach(PjrtBuffer::close);
            throw e;
        }
        return new ShardedArray(type, sharding, devices, shards);
    }

    /** The whole array, gathered on the host; refused where a distinct block lies only on other processes' devices. */
    public HostTensor gather(PjrtClient client) {
        HostTensor whole = HostTensor.zeros(type.dtype(), type.shape());
        Set<Integer> remote = new TreeSet<>();
        List<int[]> missing = new ArrayList<>();
        for (int d : TensorBlocks.firstHolders(sharding, type.shape())) {
            int[] start = TensorBlocks.start(sharding, type.shape(), d);
            Integer local = shards.keySet().stream().filter(p -> Arrays.equals(TensorBlocks.start(sharding, type.shape(), p), start)).findFirst().orElse(null);
            if (local == null) {
                missing.add(start);
                for (int p = 0; p < devices.size(); p++) if (Arrays.equals(TensorBlocks.start(sharding, type.shape(), p), start)) remote.add(devices.get(p).processIndex());
                continue;
            }
            TensorBlocks.copyOverlap(client.get(shards.get(local)), start, whole, new int[type.shape().rank()]);
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("cannot fetch " + this + " whole: " + missing.size() + " of its blocks (at " + missing.stream().map(Arrays::toString).toList() + ") live only on devices of process"
                    + (remote.size() == 1 ? " " : "es ") + remote + ", and this is process " + client.processIndex() + "; read this process's blocks with localBlocks");
        }
        return whole;
    }

    /**
     * This process's distinct blocks by mesh position: the block of each position that is the first holder of its
     * block (over all processes) and lies on this process. Replicas are not read; a block whose first holder is
     * another process's device is that process's to read.
     */
    public Map<Integer, HostTensor> localBlocks(PjrtClient client) {
        Map<Integer, HostTensor> out = new LinkedHashMap<>();
        for (int d : TensorBlocks.firstHolders(sharding, type.shape())) if (shards.containsKey(d)) out.put(d, client.get(shards.get(d)));
        return out;
    }

    /**
     * Runs a partitioned executable (compiled with one partition per device of the mesh {@code devices}, its outputs
     * typed as blocks) on sharded arguments: one argument list per device of this process, in the executable's device
     * order, and the results, typed {@code outputs} with {@code shardings}, as sharded arrays over the same devices.
     * Arguments at {@code donated} positions are consumed on every device.
     */
    public static List<ShardedArray> execute(PjrtLoadedExecutable exe, List<PjrtDevice> devices, List<ShardedArray> arguments, Set<Integer> donated,
            List<TensorType> outputs, List<Sharding> shardings) {
        List<PjrtDevice> local = exe.devices();
        if (local.isEmpty()) throw new IllegalStateException("the executable runs on none of this process's devices (its mesh devices: " + devices + ")");
        int[] position = new int[local.size()];
        for (int k = 0; k < local.size(); k++) {
            position[k] = devices.indexOf(local.get(k));
            if (position[k] < 0) throw new IllegalStateException("the executable runs on " + local.get(k) + ", which is not a device of its mesh " + devices);
        }
        List<List<PjrtBuffer>> perDevice = new ArrayList<>();
        for (int k = 0; k < local.size(); k++) perDevice.add(new ArrayList<>());
        for (ShardedArray a : arguments) {
            if (!a.devices.equals(devices)) throw new IllegalArgumentException("argument " + a + " lies on devices " + a.devices + ", the executable's mesh on " + devices);
            if (a.shards.size() != local.size()) throw new IllegalArgumentException("argument " + a + " has " + a.shards.size() + " shards here for the " + local.size() + " devices of this process");
            for (int k = 0; k < local.size(); k++) perDevice.get(k).add(a.shards.get(position[k]));
        }
        List<List<PjrtBuffer>> results = exe.execute(perDevice, donated);
        List<ShardedArray> out = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            Map<Integer, PjrtBuffer> shards = new LinkedHashMap<>();
            for (int k = 0; k < local.size(); k++) shards.put(position[k], results.get(k).get(i));
            out.add(new ShardedArray(outputs.get(i), shardings.get(i), devices, shards));
        }
        return out;
    }

    /** True once any shard was released or donated: the array is then unusable. */
    @Override
    public boolean isDeleted() { return shards.values().stream().anyMatch(PjrtBuffer::isDeleted); }

    @Override
    public void close() { for (PjrtBuffer b : shards.values()) if (!b.isDeleted()) b.close(); }

    @Override
    public String toString() { return "ShardedArray" + type + " " + sharding.dims() + " over mesh " + sharding.mesh() + (isDeleted() ? " (released)" : ""); }
}
