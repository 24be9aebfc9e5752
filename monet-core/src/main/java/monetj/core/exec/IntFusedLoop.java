package monetj.core.exec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import monetj.core.ir.Binary;
import monetj.core.ir.BitcastConvert;
import monetj.core.ir.BroadcastInDim;
import monetj.core.ir.Iota;
import monetj.core.ir.Node;
import monetj.core.ir.Shift;
import monetj.core.ir.Value;
import monetj.core.tensor.ArrayPool;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * A fused cluster of s32 bit-mixing nodes (the in-graph counter-based random numbers: iota, wrapping add and
 * multiply, and/or/xor, shifts, and the bitcast of the bits to f32 at the end) as one loop over blocks of
 * elements in int registers. Each member computes exactly its op's s32 result, so fusing never changes a value.
 * Registers are reused once their value is dead, so a long chain (twenty Threefry rounds) stays in a few cache
 * lines' worth of arrays per block. Broadcast scalars are read as one value; other broadcasts are materialised.
 */
final class IntFusedLoop implements LoopKernel {
    private static final int BLOCK = 512;

    /** One member's computation over elements [from, from + len) of the loop, in its registers' first {@code len} lanes. */
    @FunctionalInterface
    private interface Instruction {
        void run(int[][] reg, int from, int len);
    }

    private final List<Value> reads = new ArrayList<>();
    private final List<Instruction> program = new ArrayList<>();
    private final int registers;
    private final int loopSize;
    private final int[] written;              // registers written out: the root, then the extra outputs
    private final List<TensorType> writtenTypes;

    IntFusedLoop(FusionPlan.Cluster cluster) {
        Map<Value, Integer> reg = new HashMap<>();
        for (Value leaf : cluster.leaves()) {
            reg.put(leaf, reads.size());
            reads.add(scalarBroadcast(leaf) ? leaf.node().inputs().get(0) : leaf);
        }
        List<Node> out = new ArrayList<>(cluster.extras());
        out.addFirst(cluster.root());
        // the last member reading each value (written values live to the end), so its register can be reused after
        Map<Value, Integer> lastRead = new HashMap<>();
        List<Node> members = cluster.members();
        for (int m = 0; m < members.size(); m++) for (Value v : members.get(m).inputs()) lastRead.put(v, m);
        for (Node n : out) lastRead.put(n.out(), Integer.MAX_VALUE);
        List<Integer> free = new ArrayList<>();
        int next = reads.size();
        for (int m = 0; m < members.size(); m++) {
            Node n = members.get(m);
            int[] in = n.inputs().stream().mapToInt(reg::get).toArray();
            for (Value v : n.inputs()) {
                Integer r = reg.get(v);
                if (lastRead.get(v) == m && r >= reads.size() && !free.contains(r)) free.add(r); // leaves keep theirs: reads fill them
            }
            int target = free.isEmpty() ? next++ : free.removeLast(); // may be an operand's: every op reads lane i before writing it
            reg.put(n.out(), target);
            program.add(instruction(n, in, target));
        }
        registers = next;
        loopSize = cluster.root().types().get(0).shape().intSize();
        written = out.stream().mapToInt(n -> reg.get(n.out())).toArray();
        writtenTypes = out.stream().map(n -> n.types().get(0)).toList();
    }

    /** A broadcast of a single element, read as that element. */
    private static boolean scalarBroadcast(Value v) {
        return v.node().op() instanceof BroadcastInDim && v.node().inputs().get(0).shape().size() == 1;
    }

    @Override
    public List<Value> reads() { return reads; }

    @Override
    public List<HostTensor> run(List<HostTensor> inputs) { return run(inputs, new boolean[inputs.size()]); }

    /** The root's value, then the extra outputs; an s32 value goes over an overwritable s32 operand of its size not taken by another. */
    @Override
    public List<HostTensor> run(List<HostTensor> inputs, boolean[] overwritable) {
        int leaves = inputs.size();
        int[][] full = new int[leaves][];
        int[] scalar = new int[leaves];
        for (int i = 0; i < leaves; i++) {
            HostTensor t = inputs.get(i);
            if (t.dtype() != DType.S32) throw new IllegalArgumentException("an integer loop reads s32, not " + t.type());
            if (t.size() == 1 && loopSize != 1) scalar[i] = t.ints()[0];
            else full[i] = t.ints();
        }
        boolean[] taken = new boolean[leaves];
        int[][] intOut = new int[written.length][];
        float[][] floatOut = new float[written.length][];
        for (int w = 0; w < written.length; w++) {
            TensorType type = writtenTypes.get(w);
            if (type.dtype() == DType.F32) {
                floatOut[w] = ArrayPool.floatsForOverwrite(loopSize);
                continue;
            }
            for (int i = 0; i < leaves && intOut[w] == null; i++) {
                if (overwritable[i] && !taken[i] && full[i] != null && inputs.get(i).size() == loopSize) {
                    taken[i] = true;
                    intOut[w] = full[i];
                }
            }
            if (intOut[w] == null) intOut[w] = (int[]) ArrayPool.forOverwrite(DType.S32, loopSize);
        }
        Parallel.forRange(loopSize, 1 << 14, (lo, hi) -> {
            int[][] reg = new int[registers][BLOCK];
            for (int i = 0; i < leaves; i++) if (full[i] == null) Arrays.fill(reg[i], scalar[i]);
            for (int b = lo; b < hi; b += BLOCK) {
                int len = Math.min(BLOCK, hi - b);
                for (int i = 0; i < leaves; i++) if (full[i] != null) System.arraycopy(full[i], b, reg[i], 0, len);
                for (Instruction ins : program) ins.run(reg, b, len);
                for (int w = 0; w < written.length; w++) {
                    int[] r = reg[written[w]];
                    if (intOut[w] != null) System.arraycopy(r, 0, intOut[w], b, len);
                    else for (int i = 0; i < len; i++) floatOut[w][b + i] = Float.intBitsToFloat(r[i]);
                }
            }
        });
        List<HostTensor> results = new ArrayList<>();
        for (int w = 0; w < written.length; w++) {
            Shape s = writtenTypes.get(w).shape();
            results.add(intOut[w] != null ? HostTensor.of(s, intOut[w]) : HostTensor.of(s, floatOut[w]));
        }
        return results;
    }

    private static Instruction instruction(Node n, int[] in, int out) {
        return switch (n.op()) {
            case Binary b -> binary(b.kind(), in[0], in[1], out);
            case Shift s -> shift(s.kind(), in[0], in[1], out);
            case Iota i -> iota(n.types().get(0).shape(), i.iotaDimension(), out);
            case BitcastConvert c -> (reg, from, len) -> System.arraycopy(reg[in[0]], 0, reg[out], 0, len); // the same bits
            default -> throw new IllegalArgumentException("not an integer loop op: " + n);
        };
    }

    private static Instruction binary(Binary.Kind kind, int a, int b, int out) {
        return switch (kind) {
            case ADD -> (reg, from, len) -> { int[] x = reg[a], y = reg[b], r = reg[out]; for (int i = 0; i < len; i++) r[i] = x[i] + y[i]; };
            case SUBTRACT -> (reg, from, len) -> { int[] x = reg[a], y = reg[b], r = reg[out]; for (int i = 0; i < len; i++) r[i] = x[i] - y[i]; };
            case MULTIPLY -> (reg, from, len) -> { int[] x = reg[a], y = reg[b], r = reg[out]; for (int i = 0; i < len; i++) r[i] = x[i] * y[i]; };
            case AND -> (reg, from, len) -> { int[] x = reg[a], y = reg[b], r = reg[out]; for (int i = 0; i < len; i++) r[i] = x[i] & y[i]; };
            case OR -> (reg, from, len) -> { int[] x = reg[a], y = reg[b], r = reg[out]; for (int i = 0; i < len; i++) r[i] = x[i] | y[i]; };
            case XOR -> (reg, from, len) -> { int[] x = reg[a], y = reg[b], r = reg[out]; for (int i = 0; i < len; i++) r[i] = x[i] ^ y[i]; };
            default -> throw new IllegalArgumentException("not a wrapping s32 op: " + kind);
        };
    }

    /**
     * As {@link Shift}: an amount outside [0, 32) gives 0 (logical) or the sign fill. When a block's amounts are all one
     * value (a shift by a constant, as in every Threefry rotation) the loop shifts by that value, which vectorises.
     */
    private static Instruction shift(Shift.Kind kind, int a, int b, int out) {
        return (reg, from, len) -> {
            int[] x = reg[a], s = reg[b], r = reg[out];
            int first = s[0];
            boolean uniform = true;
            for (int i = 1; i < len && uniform; i++) uniform = s[i] == first;
            if (!uniform) {
                for (int i = 0; i < len; i++) r[i] = shifted(kind, x[i], s[i]);
                return;
            }
            if (first < 0 || first >= 32) {
                for (int i = 0; i < len; i++) r[i] = shifted(kind, x[i], first);
                return;
            }
            switch (kind) {
                case LEFT -> { for (int i = 0; i < len; i++) r[i] = x[i] << first; }
                case RIGHT_LOGICAL -> { for (int i = 0; i < len; i++) r[i] = x[i] >>> first; }
                case RIGHT_ARITHMETIC -> { for (int i = 0; i < len; i++) r[i] = x[i] >> first; }
            }
        };
    }

    private static int shifted(Shift.Kind kind, int x, int amount) {
        boolean inRange = amount >= 0 && amount < 32;
        return switch (kind) {
            case LEFT -> inRange ? x << amount : 0;
            case RIGHT_LOGICAL -> inRange ? x >>> amount : 0;
            case RIGHT_ARITHMETIC -> x >> (inRange ? amount : 31);
        };
    }

    /** Element i's index along {@code dim}: (i / stride) % size, walked in runs of equal values. */
    private static Instruction iota(Shape shape, int dim, int out) {
        int size = shape.dim(dim);
        long stride = shape.strides()[dim];
        return (reg, from, len) -> {
            int[] r = reg[out];
            int k = (int) ((from / stride) % size);
            long inRun = from % stride;
            for (int i = 0; i < len; i++) {
                r[i] = k;
                if (++inRun == stride) {
                    inRun = 0;
                    if (++k == size) k = 0;
                }
            }
        };
    }
}
