package monetj.core.tensor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.ir.Sharding;

/**
 * Rectangular blocks of host tensors: the block a device of a mesh holds under a sharding, cutting it out of a
 * whole tensor, and copying the overlap of two blocks, so shards can be written, gathered and resharded on the host.
 */
public final class TensorBlocks {
    private TensorBlocks() {}

    /** Where device {@code device}'s block of a value of shape {@code global} starts, per dimension. */
    public static int[] start(Sharding s, Shape global, int device) {
        Sharding.Mesh mesh = s.mesh();
        int[] coords = new int[mesh.axisSizes().length];
        for (int a = coords.length - 1, rest = device; a >= 0; a--) { // devices are row-major over the mesh axes
            coords[a] = rest % mesh.axisSizes()[a];
            rest /= mesh.axisSizes()[a];
        }
        int[] start = new int[global.rank()];
        for (int d = 0; d < start.length; d++) {
            int index = 0;
            for (String axis : s.dims().get(d)) {
                int a = mesh.axisNames().indexOf(axis);
                index = index * mesh.axisSizes()[a] + coords[a];
            }
            start[d] = index * (global.dim(d) / s.parts(d));
        }
        return start;
    }

    /** Device {@code device}'s block of {@code whole}, a new tensor. */
    public static HostTensor block(HostTensor whole, Sharding s, int device) {
        Shape shape = s.shardShape(whole.shape());
        HostTensor out = HostTensor.zeros(whole.dtype(), shape);
        copyOverlap(whole, new int[whole.shape().rank()], out, start(s, whole.shape(), device));
        return out;
    }

    /**
     * The devices that hold a distinct block of a value of shape {@code global}, in device order: of the devices
     * whose blocks are replicas of each other (the value is replicated over some mesh axes), the first.
     */
    public static List<Integer> firstHolders(Sharding s, Shape global) {
        List<Integer> out = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (int d = 0; d < s.mesh().deviceCount(); d++) {
            String key = Arrays.toString(start(s, global, d));
            if (seen.contains(key)) continue;
            seen.add(key);
            out.add(d);
        }
        return out;
    }

    /** The distinct blocks of {@code whole} under {@code s}, by the first device holding each. */
    public static Map<Integer, HostTensor> distinctBlocks(HostTensor whole, Sharding s) {
        Map<Integer, HostTensor> out = new LinkedHashMap<>();
        if (s == null) {
            out.put(0, whole);
            return out;
        }
        for (int d : firstHolders(s, whole.shape())) out.put(d, block(whole, s, d));
        return out;
    }

    /**
     * The whole tensor of {@code type} from blocks by device index under {@code s} (null: {@code blocks.get(0)} is
     * the whole); every distinct block must be there, under one of the devices holding it.
     */
    public static HostTensor join(TensorType type, Sharding s, Map<Integer, HostTensor> blocks) {
        if (s == null) {
            HostTensor whole = blocks.get(0);
            if (whole == null || !whole.type().equals(type)) throw new IllegalArgumentException("an unsharded " + type + " needs its whole tensor as block 0, got " + blocks.keySet());
            return whole;
        }
        HostTensor out = HostTensor.zeros(type.dtype(), type.shape());
        for (int d = 0; d < s.mesh().deviceCount(); d++) {
            HostTensor b = replicaOf(type.shape(), s, blocks, d);
            copyOverlap(b, start(s, type.shape(), d), out, new int[type.shape().rank()]);
        }
        return out;
    }

    /** Device {@code device}'s block: its own entry, or that of a device holding the same block. */
    public static HostTensor replicaOf(Shape global, Sharding s, Map<Integer, HostTensor> blocks, int device) {
        HostTensor b = blocks.get(device);
        int[] start = start(s, global, device);
        for (var e = blocks.entrySet().iterator(); b == null && e.hasNext();) {
            var other = e.next();
            if (Arrays.equals(start(s, global, other.getKey()), start)) b = other.getValue();
        }
        Shape shape = s.shardShape(global);
        if (b == null) throw new IllegalArgumentException("no block at " + Arrays.toString(start) + " (device " + device + ") of a value of shape " + global + " under " + s.dims());
        if (!b.shape().equals(shape)) throw new IllegalArgumentException("the block of device " + device + " is " + b.shape() + ", expected " + shape + " (a value of shape " + global + " under " + s.dims() + ")");
        return b;
    }

    /**
     * Copies the overlap of block {@code src} (placed at {@code srcStart} in global coordinates) into block
     * {@code dst} (at {@code dstStart}); nothing when they do not overlap. Innermost runs are copied as bytes.
     */
    public static void copyOverlap(HostTensor src, int[] srcStart, HostTensor dst, int[] dstStart) {
        int rank = src.shape().rank();
        int[] lo = new int[rank], extent = new int[rank];
        for (int d = 0; d < rank; d++) {
            lo[d] = Math.max(srcStart[d], dstStart[d]);
            int hi = Math.min(srcStart[d] + src.shape().dim(d), dstStart[d] + dst.shape().dim(d));
            if (hi <= lo[d]) return;
            extent[d] = hi - lo[d];
        }
        long size = src.dtype().byteSize();
        if (rank == 0) {
            MemorySegment.copy(src.data(), 0, dst.data(), 0, size);
            return;
        }
        copy(src, srcStart, dst, dstStart, lo, extent, 0, 0, 0, size);
    }

    private static void copy(HostTensor src, int[] srcStart, HostTensor dst, int[] dstStart, int[] lo, int[] extent, int d, long srcOff, long dstOff, long elem) {
        long[] ss = src.shape().strides(), ds = dst.shape().strides();
        long s0 = srcOff + (long) (lo[d] - srcStart[d]) * ss[d], d0 = dstOff + (long) (lo[d] - dstStart[d]) * ds[d];
        if (d == lo.length - 1) {
            MemorySegment.copy(src.data(), s0 * elem, dst.data(), d0 * elem, extent[d] * elem);
            return;
        }
        for (int i = 0; i < extent[d]; i++) copy(src, srcStart, dst, dstStart, lo, extent, d + 1, s0 + i * ss[d], d0 + i * ds[d], elem);
    }
}
