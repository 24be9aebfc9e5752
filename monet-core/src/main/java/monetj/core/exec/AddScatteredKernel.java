package monetj.core.exec;

import java.util.Arrays;
import java.util.List;
import monetj.core.ir.Scatter;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.StridedRegion;

/**
 * {@link AddScattered} on f32: the updates are added into x's storage (x itself when nothing reads it afterwards,
 * else a copy), each group of coinciding windows summed apart from +0 in window order first, so the result is the
 * reference's bit for bit. Grouping needs windows that either coincide or are disjoint (rows of a table, elements of
 * a one-hot); other windows take the reference's way.
 */
final class AddScatteredKernel implements ExecutorKernel {
    private final AddScattered op;

    AddScatteredKernel(AddScattered op) { this.op = op; }

    @Override
    public List<HostTensor> run(List<HostTensor> inputs) { return run(inputs, new boolean[inputs.size()]); }

    @Override
    public List<HostTensor> run(List<HostTensor> inputs, boolean[] overwritable) {
        HostTensor x = inputs.get(0), indices = inputs.get(1), updates = inputs.get(2);
        Scatter.Windows w = op.scatter().windows(x.shape(), indices, updates.shape());
        if (x.dtype() != DType.F32 || !w.identicalOrDisjoint(x.shape())) return op.evaluate(inputs);
        HostTensor sum = overwritable[0] ? x : x.copy();
        addGrouped(w, sum.floats(), updates.floats(), op.sumFirst());
        return List.of(sum);
    }

    /** Adds each group of coinciding windows' summed updates into {@code acc}, the sum on the left when {@code sumFirst}. */
    private static void addGrouped(Scatter.Windows w, float[] acc, float[] upd, boolean sumFirst) {
        int size = 1;
        for (int c : w.counts()) size *= c;
        int[] toUpdate = new int[size], toOperand = new int[size]; // each window element's offset from the window's start
        int[] at = {0};
        StridedRegion.forEachRun(w.counts(), 0, w.updateStrides(), 0, w.operandStrides(), (s, d, n, ss, ds) -> {
            for (int i = 0; i < n; i++, at[0]++) {
                toUpdate[at[0]] = (int) (s + i * ss);
                toOperand[at[0]] = (int) (d + i * ds);
            }
        });
        long[] order = byStart(w);
        int count = w.count();
        for (int g0 = 0, g1; g0 < order.length; g0 = g1) {
            long start = order[g0] / count;
            for (g1 = g0 + 1; g1 < order.length && order[g1] / count == start; g1++) {}
            for (int e = 0; e < size; e++) {
                float s = 0f; // +0, as the zeros the reference scatters into
                for (int g = g0; g < g1; g++) s += upd[(int) w.updateStarts()[(int) (order[g] % count)] + toUpdate[e]];
                int d = (int) start + toOperand[e];
                acc[d] = sumFirst ? s + acc[d] : acc[d] + s;
            }
        }
    }

    /** The windows that fit, as {@code start * count + window} sorted: grouped by start, in window order within a group. */
    private static long[] byStart(Scatter.Windows w) {
        int count = w.count(), kept = 0;
        long[] keys = new long[count];
        for (int b = 0; b < count; b++) {
            long start = w.operandStarts()[b];
            if (start != Scatter.Windows.SKIPPED) keys[kept++] = start * count + b;
        }
        keys = Arrays.copyOf(keys, kept);
        Arrays.sort(keys);
        return keys;
    }
}
