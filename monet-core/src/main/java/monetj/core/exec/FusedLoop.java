package monetj.core.exec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import monetj.core.ir.Binary;
import monetj.core.ir.BroadcastInDim;
import monetj.core.ir.Clamp;
import monetj.core.ir.Compare;
import monetj.core.ir.Convert;
import monetj.core.ir.Node;
import monetj.core.ir.Select;
import monetj.core.ir.Unary;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.Float16;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * A fused cluster of elementwise nodes as one loop over blocks of elements: each block's leaves are read into
 * registers (small f32 arrays that stay in cache), the members computed register to register in order, and the
 * root written once. Booleans are 0/1 and bf16 values their f32 equivalents in registers. Every member computes
 * exactly what its op's kernel computes element by element (exp and log vectorised as in {@link UnaryKernel}), so
 * fusing never changes a result.
 */
final class FusedLoop implements ExecutorKernel {
    private static final int BLOCK = 512;

    /** One member's computation over the first {@code len} elements of its registers. */
    @FunctionalInterface
    private interface Instruction {
        void run(float[][] reg, int len);
    }

    private final List<Value> reads = new ArrayList<>();          // per leaf: the value the kernel reads
    private final List<BroadcastInDim> through = new ArrayList<>(); // per leaf: the broadcast read through, or null
    private final List<Instruction> program = new ArrayList<>();
    private final int registers, rootRegister;
    private final TensorType result;

    FusedLoop(FusionPlan.Cluster cluster) {
        Map<Value, Integer> reg = new HashMap<>();
        for (Value leaf : cluster.leaves()) {
            boolean view = FusionPlan.readThrough(leaf);
            reg.put(leaf, reads.size());
            reads.add(view ? leaf.node().inputs().get(0) : leaf);
            through.add(view ? (BroadcastInDim) leaf.node().op() : null);
        }
        int next = reads.size();
        for (Node n : cluster.members()) {
            int[] in = n.inputs().stream().mapToInt(reg::get).toArray();
            if (n.op() instanceof Convert c && c.target() == DType.F32) { // same f32 value in a register: no work
                reg.put(n.out(), in[0]);
                continue;
            }
            int out = next++;
            reg.put(n.out(), out);
            program.add(instruction(n, in, out));
        }
        registers = next;
        rootRegister = reg.get(cluster.root().out());
        result = cluster.root().types().get(0);
    }

    /** The values to pass to {@link #run}, in order: a broadcast read through is passed as its operand. */
    List<Value> reads() { return reads; }

    @Override
    public List<HostTensor> run(List<HostTensor> inputs) { return run(inputs, new boolean[inputs.size()]); }

    /** Writes into the first overwritable operand read element for element (same dtype and size), else into a new tensor. */
    @Override
    public List<HostTensor> run(List<HostTensor> inputs, boolean[] overwritable) {
        int n = result.shape().intSize();
        BlockReader[] leaves = new BlockReader[inputs.size()];
        for (int i = 0; i < leaves.length; i++) {
            leaves[i] = through.get(i) != null ? BlockReader.broadcast(inputs.get(i), through.get(i)) : BlockReader.of(inputs.get(i), n);
        }
        HostTensor out = null;
        for (int i = 0; i < leaves.length && out == null; i++) {
            HostTensor t = inputs.get(i);
            if (overwritable[i] && through.get(i) == null && t.dtype() == result.dtype() && t.size() == n) out = t.reshape(result.shape());
        }
        if (out == null) out = HostTensor.zeros(result.dtype(), result.shape());
        float[] f32 = result.dtype() == DType.F32 ? out.floats() : null;
        short[] bf16 = result.dtype() == DType.BF16 ? out.shorts() : null;
        byte[] pred = result.dtype() == DType.PRED ? out.preds() : null;
        Parallel.forRange(n, 1 << 14, (lo, hi) -> {
            float[][] reg = new float[registers][BLOCK];
            for (int b = lo; b < hi; b += BLOCK) {
                int len = Math.min(BLOCK, hi - b);
                for (int i = 0; i < leaves.length; i++) leaves[i].read(b, len, reg[i]);
                for (Instruction ins : program) ins.run(reg, len);
                float[] r = reg[rootRegister];
                if (f32 != null) System.arraycopy(r, 0, f32, b, len);
                else if (bf16 != null) for (int i = 0; i < len; i++) bf16[b + i] = Float16.bf16FromFloat(r[i]);
                else for (int i = 0; i < len; i++) pred[b + i] = r[i] != 0 ? (byte) 1 : 0;
            }
        });
        // the arrays written (a tensor not backed by one whole array gave a copy: the result is that copy)
        return List.of(f32 != null ? HostTensor.of(result.shape(), f32) : bf16 != null ? HostTensor.ofShorts(DType.BF16, result.shape(), bf16)
                : HostTensor.ofPred(result.shape(), pred));
    }

    private static Instruction instruction(Node n, int[] in, int out) {
        return switch (n.op()) {
            case Binary b -> binary(b.kind(), in[0], in[1], out);
            case Unary u -> unary(u.kind(), in[0], out);
            case Compare c -> compare(c.direction(), in[0], in[1], out);
            case Select s -> (reg, len) -> {
                float[] p = reg[in[0]], t = reg[in[1]], f = reg[in[2]], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = p[i] != 0 ? t[i] : f[i];
            };
            case Clamp c -> (reg, len) -> {
                float[] lo = reg[in[0]], x = reg[in[1]], hi = reg[in[2]], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = Math.min(Math.max(x[i], lo[i]), hi[i]);
            };
            case Convert c -> (reg, len) -> { // to bf16: rounded to nearest even, kept as its f32 value
                float[] x = reg[in[0]], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = Float16.roundToBf16(x[i]);
            };
            default -> throw new IllegalArgumentException("not fusible: " + n);
        };
    }

    private static Instruction binary(Binary.Kind kind, int a, int b, int out) {
        return switch (kind) {
            case ADD -> (reg, len) -> {
                float[] x = reg[a], y = reg[b], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = x[i] + y[i];
            };
            case SUBTRACT -> (reg, len) -> {
                float[] x = reg[a], y = reg[b], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = x[i] - y[i];
            };
            case MULTIPLY -> (reg, len) -> {
                float[] x = reg[a], y = reg[b], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = x[i] * y[i];
            };
            case DIVIDE -> (reg, len) -> {
                float[] x = reg[a], y = reg[b], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = x[i] / y[i];
            };
            default -> (reg, len) -> {
                float[] x = reg[a], y = reg[b], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = (float) kind.apply(x[i], y[i]);
            };
        };
    }

    private static Instruction unary(Unary.Kind kind, int a, int out) {
        return switch (kind) {
            case NEGATE -> (reg, len) -> {
                float[] x = reg[a], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = -x[i];
            };
            case EXP -> (reg, len) -> VectorMath.exp(reg[a], 0, reg[out], 0, len);
            case LOG -> (reg, len) -> VectorMath.log(reg[a], 0, reg[out], 0, len);
            case SQRT -> (reg, len) -> { // correctly rounded in f32 as in f64, so the same as the reference
                float[] x = reg[a], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = (float) Math.sqrt(x[i]);
            };
            default -> (reg, len) -> {
                float[] x = reg[a], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = (float) kind.apply(x[i]);
            };
        };
    }

    private static Instruction compare(Compare.Direction d, int a, int b, int out) {
        return (reg, len) -> {
            float[] x = reg[a], y = reg[b], r = reg[out];
            switch (d) { // IEEE: every comparison with NaN is false except NE
                case EQ -> { for (int i = 0; i < len; i++) r[i] = x[i] == y[i] ? 1 : 0; }
                case NE -> { for (int i = 0; i < len; i++) r[i] = x[i] != y[i] ? 1 : 0; }
                case LT -> { for (int i = 0; i < len; i++) r[i] = x[i] < y[i] ? 1 : 0; }
                case LE -> { for (int i = 0; i < len; i++) r[i] = x[i] <= y[i] ? 1 : 0; }
                case GT -> { for (int i = 0; i < len; i++) r[i] = x[i] > y[i] ? 1 : 0; }
                case GE -> { for (int i = 0; i < len; i++) r[i] = x[i] >= y[i] ? 1 : 0; }
            }
        };
    }
}
