package monetj.xla.pjrt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import monetj.core.backend.DeviceBuffer;
import monetj.core.ir.Sharding;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorBlocks;
import monetj.core.tensor.TensorType;

/**
 * A global array laid out over the devices of a mesh: one buffer per device (in mesh order) holding that device's
 * block under {@code sharding}. Putting a host tensor sends each device only its block; fetching gathers the blocks
 * into the whole tensor (a block replicated over some mesh axes is read once, from the first device holding it).
 * Its {@link #type} is the global type; it counts as deleted once any of its shards is (e.g. donated).
 */
public record ShardedArray(TensorType type, Sharding sharding, List<PjrtBuffer> shards) implements DeviceBuffer {
    public ShardedArray {
        if (shards.size() != sharding.mesh().deviceCount()) throw new IllegalArgumentException("mesh " + sharding.mesh() + " needs " + sharding.mesh().deviceCount() + " shards, got " + shards.size());
        TensorType block = new TensorType(type.dtype(), sharding.shardShape(type.shape()));
        for (PjrtBuffer b : shards) if (!b.type().equals(block)) throw new IllegalArgumentException("a shard of " + type + " under " + sharding.dims() + " is " + block + ", got " + b.type());
        shards = List.copyOf(shards);
    }

    /** Puts {@code whole} as one buffer per device of {@code devices} (the mesh's devices, in mesh order). */
    public static ShardedArray put(PjrtClient client, HostTensor whole, Sharding sharding, List<PjrtDevice> devices) {
        sharding.check(whole.shape());
        return putBlocks(client, whole.type(), sharding, TensorBlocks.distinctBlocks(whole, sharding), devices);
    }

    /**
     * Puts an array of {@code type} from its blocks by mesh device index (each distinct block at least once, under one
     * of the devices holding it): each device of {@code devices} (in mesh order) receives its block.
     */
    public static ShardedArray putBlocks(PjrtClient client, TensorType type, Sharding sharding, Map<Integer, HostTensor> blocks, List<PjrtDevice> devices) {
        sharding.check(type.shape());
        if (devices.size() != sharding.mesh().deviceCount()) throw new IllegalArgumentException("mesh " + sharding.mesh() + " spans " + sharding.mesh().deviceCount() + " devices, got " + devices.size());
        List<PjrtBuffer> shards = new ArrayList<>();
        try {
            for (int d = 0; d < devices.size(); d++) {
                HostTensor block = TensorBlocks.replicaOf(type.shape(), sharding, blocks, d);
                if (block.dtype() != type.dtype()) throw new IllegalArgumentException("a block of " + type + " is " + block.dtype());
                shards.add(client.put(block, devices.get(d)));
            }
        } catch (RuntimeException e) {
            shards.forEach(PjrtBuffer::close);
            throw e;
        }
        return new ShardedArray(type, sharding, shards);
    }

    /** The whole array, gathered on the host. */
    public HostTensor gather(PjrtClient client) {
        HostTensor whole = HostTensor.zeros(type.dtype(), type.shape());
        localBlocks(client).forEach((d, block) -> TensorBlocks.copyOverlap(block, TensorBlocks.start(sharding, type.shape(), d), whole, new int[type.shape().rank()]));
        return whole;
    }

    /** Each distinct block, read from the first device holding it, by mesh device index. */
    public Map<Integer, HostTensor> localBlocks(PjrtClient client) {
        Map<Integer, HostTensor> out = new LinkedHashMap<>();
        for (int d : TensorBlocks.firstHolders(sharding, type.shape())) out.put(d, client.get(shards.get(d)));
        return out;
    }

    /**
     * Runs a partitioned executable (compiled with one partition per device of the mesh, its outputs typed as blocks)
     * on sharded arguments: one argument list per device, and the results, typed {@code outputs} with {@code
     * shardings}, as sharded arrays. Arguments at {@code donated} positions are consumed on every device.
     * The executable's devices may come in any order: each gets the shards that live on it.
     */
    public static List<ShardedArray> execute(PjrtLoadedExecutable exe, List<ShardedArray> arguments, Set<Integer> donated, List<TensorType> outputs,
            List<Sharding> shardings) {
        List<PjrtDevice> devices = exe.devices();
        List<List<PjrtBuffer>> perDevice = new ArrayList<>();
        int[] position = null; // mesh position of each of the executable's devices, from where the shards live
        for (ShardedArray a : arguments) {
            if (a.shards.size() != devices.size()) throw new IllegalArgumentException("argument " + a.type + " has " + a.shards.size() + " shards for " + devices.size() + " devices");
            int[] p = positions(a, devices);
            if (position == null) position = p;
            else if (!java.util.Arrays.equals(p, position)) throw new IllegalArgumentException("argument " + a.type + " lies on the devices in another mesh order than the first argument");
        }
        for (int k = 0; k < devices.size(); k++) {
            List<PjrtBuffer> args = new ArrayList<>();
            for (ShardedArray a : arguments) args.add(a.shards.get(position == null ? k : position[k]));
            perDevice.add(args);
        }
        List<List<PjrtBuffer>> results = exe.execute(perDevice, donated);
        List<ShardedArray> out = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            PjrtBuffer[] shards = new PjrtBuffer[devices.size()];
            for (int k = 0; k < devices.size(); k++) shards[position == null ? k : position[k]] = results.get(k).get(i);
            out.add(new ShardedArray(outputs.get(i), shardings.get(i), List.of(shards)));
        }
        return out;
    }

    private static int[] positions(ShardedArray a, List<PjrtDevice> devices) {
        int[] p = new int[devices.size()];
        for (int k = 0; k < devices.size(); k++) {
            p[k] = -1;
            for (int d = 0; d < a.shards.size(); d++) if (a.shards.get(d).device().equals(devices.get(k))) p[k] = d;
            if (p[k] < 0) throw new IllegalArgumentException("the executable runs on " + devices.get(k) + ", which holds no shard of argument " + a.type);
        }
        return p;
    }

    /** True once any shard was released or donated: the array is then unusable. */
    @Override
    public boolean isDeleted() { return shards.stream().anyMatch(PjrtBuffer::isDeleted); }

    @Override
    public void close() { for (PjrtBuffer b : shards) if (!b.isDeleted()) b.close(); }

    @Override
    public String toString() { return "ShardedArray" + type + " " + sharding.dims() + " over mesh " + sharding.mesh() + (isDeleted() ? " (released)" : ""); }
}
