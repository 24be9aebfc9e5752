package monetj.xla.pjrt;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import monetj.core.ir.Sharding;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorBlocks;
import monetj.core.tensor.TensorType;

/**
 * A global array laid out over the devices of a mesh: one buffer per device (in mesh order) holding that device's
 * block under {@code sharding}. Putting a host tensor sends each device only its block; fetching gathers the blocks
 * into the whole tensor (a block replicated over some mesh axes is read once).
 */
public record ShardedArray(TensorType type, Sharding sharding, List<PjrtBuffer> shards) implements AutoCloseable {
    public ShardedArray {
        if (shards.size() != sharding.mesh().deviceCount()) throw new IllegalArgumentException("mesh " + sharding.mesh() + " needs " + sharding.mesh().deviceCount() + " shards, got " + shards.size());
        TensorType block = new TensorType(type.dtype(), sharding.shardShape(type.shape()));
        for (PjrtBuffer b : shards) if (!b.type().equals(block)) throw new IllegalArgumentException("a shard of " + type + " under " + sharding.dims() + " is " + block + ", got " + b.type());
        shards = List.copyOf(shards);
    }

    /** Puts {@code whole} as one buffer per device of {@code devices} (the mesh's devices, in mesh order). */
    public static ShardedArray put(PjrtClient client, HostTensor whole, Sharding sharding, List<PjrtDevice> devices) {
        sharding.check(whole.shape());
        if (devices.size() != sharding.mesh().deviceCount()) throw new IllegalArgumentException("mesh " + sharding.mesh() + " spans " + sharding.mesh().deviceCount() + " devices, got " + devices.size());
        List<PjrtBuffer> shards = new ArrayList<>();
        for (int d = 0; d < devices.size(); d++) shards.add(client.put(TensorBlocks.block(whole, sharding, d), devices.get(d)));
        return new ShardedArray(whole.type(), sharding, shards);
    }

    /** The whole array, gathered on the host. */
    public HostTensor gather(PjrtClient client) {
        HostTensor whole = HostTensor.zeros(type.dtype(), type.shape());
        List<String> seen = new ArrayList<>();
        for (int d = 0; d < shards.size(); d++) {
            int[] start = TensorBlocks.start(sharding, type.shape(), d);
            if (seen.contains(java.util.Arrays.toString(start))) continue;
            seen.add(java.util.Arrays.toString(start));
            TensorBlocks.copyOverlap(client.get(shards.get(d)), start, whole, new int[start.length]);
        }
        return whole;
    }

    /**
     * Runs a partitioned executable (compiled with one partition per device of the mesh, its outputs typed as blocks)
     * on sharded arguments: one argument list per device, and the results, typed {@code outputs} with {@code
     * shardings}, as sharded arrays. Arguments at {@code donated} positions are consumed on every device.
     */
    public static List<ShardedArray> execute(PjrtLoadedExecutable exe, List<ShardedArray> arguments, Set<Integer> donated, List<TensorType> outputs,
            List<Sharding> shardings) {
        int devices = exe.devices().size();
        List<List<PjrtBuffer>> perDevice = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            List<PjrtBuffer> args = new ArrayList<>();
            for (ShardedArray a : arguments) {
                if (a.shards.size() != devices) throw new IllegalArgumentException("argument " + a.type + " has " + a.shards.size() + " shards for " + devices + " devices");
                args.add(a.shards.get(d));
            }
            perDevice.add(args);
        }
        List<List<PjrtBuffer>> results = exe.execute(perDevice, donated);
        List<ShardedArray> out = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            List<PjrtBuffer> shards = new ArrayList<>();
            for (int d = 0; d < devices; d++) shards.add(results.get(d).get(i));
            out.add(new ShardedArray(outputs.get(i), shardings.get(i), shards));
        }
        return out;
    }

    @Override
    public void close() { for (PjrtBuffer b : shards) if (!b.isDeleted()) b.close(); }
}
