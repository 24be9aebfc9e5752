package monetj.core.ir;

import java.util.Arrays;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * Bit shifts of integers by per-element amounts (operands of identical type). As StableHLO: an amount outside
 * [0, bit width) gives 0 for the logical shifts and the sign fill for the arithmetic one. The bit patterns of
 * signed integers are shifted as they are, so s32 serves as u32 for counter-based random numbers.
 */
public record Shift(Kind kind) implements Op {
    public enum Kind {
        LEFT("shift_left"), RIGHT_LOGICAL("shift_right_logical"), RIGHT_ARITHMETIC("shift_right_arithmetic");

        final String stablehlo;

        Kind(String stablehlo) { this.stablehlo = stablehlo; }

        int apply(int x, int amount) {
            boolean inRange = amount >= 0 && amount < 32;
            return switch (this) {
                case LEFT -> inRange ? x << amount : 0;
                case RIGHT_LOGICAL -> inRange ? x >>> amount : 0;
                case RIGHT_ARITHMETIC -> x >> (inRange ? amount : 31);
            };
        }

        long apply(long x, long amount) {
            boolean inRange = amount >= 0 && amount < 64;
            return switch (this) {
                case LEFT -> inRange ? x << amount : 0;
                case RIGHT_LOGICAL -> inRange ? x >>> amount : 0;
                case RIGHT_ARITHMETIC -> x >> (inRange ? amount : 63);
            };
        }
    }

    @Override public String name() { return kind.stablehlo; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 2);
        ShapeException.check(in.get(0).equals(in.get(1)), name(), in, "operand and shift amounts must have the same dtype and shape");
        ShapeException.check(in.get(0).dtype().isInteger(), name(), in, "needs integer operands");
        return List.of(in.get(0));
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor x = inputs.get(0), y = inputs.get(1);
        int n = x.shape().intSize();
        if (x.dtype() == DType.S32) {
            int[] a = x.ints(), b = y.ints(), r = new int[n];
            switch (kind) { // one loop per kind: random-number programs shift every element many times
                case LEFT -> { for (int i = 0; i < n; i++) r[i] = b[i] >= 0 && b[i] < 32 ? a[i] << b[i] : 0; }
                case RIGHT_LOGICAL -> { for (int i = 0; i < n; i++) r[i] = b[i] >= 0 && b[i] < 32 ? a[i] >>> b[i] : 0; }
                case RIGHT_ARITHMETIC -> { for (int i = 0; i < n; i++) r[i] = kind.apply(a[i], b[i]); }
            }
            return List.of(HostTensor.of(x.shape(), r));
        }
        long[] a = x.longs(), b = y.longs(), r = new long[n];
        for (int i = 0; i < n; i++) r[i] = kind.apply(a[i], b[i]);
        return List.of(HostTensor.of(x.shape(), r));
    }

    @Override
    public List<Tensor> vjp(VjpArgs args) { return Arrays.asList(null, null); }
}
