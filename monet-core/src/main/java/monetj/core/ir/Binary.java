package monetj.core.ir;

import java.util.Arrays;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/** Elementwise binary ops on operands of identical type (StableHLO broadcasts explicitly). */
public record Binary(Kind kind) implements Op {
    public enum Kind {
        ADD("add"), SUBTRACT("subtract"), MULTIPLY("multiply"), DIVIDE("divide"), POWER("power"),
        MAXIMUM("maximum"), MINIMUM("minimum"), REMAINDER("remainder"), AND("and"), OR("or"), XOR("xor");

        final String stablehlo;

        Kind(String stablehlo) { this.stablehlo = stablehlo; }

        public double apply(double a, double b) {
            return switch (this) {
                case ADD -> a + b;
                case SUBTRACT -> a - b;
                case MULTIPLY -> a * b;
                case DIVIDE -> a / b;
                case POWER -> Math.pow(a, b);
                // NaN-propagating, and -0 < +0, as StableHLO's maximum/minimum.
                case MAXIMUM -> Math.max(a, b);
                case MINIMUM -> Math.min(a, b);
                case REMAINDER -> a % b;
                default -> throw new AssertionError();
            };
        }

        long applyInt(long a, long b) {
            return switch (this) {
                case ADD -> a + b;
                case SUBTRACT -> a - b;
                case MULTIPLY -> a * b;
                case DIVIDE -> b == 0 ? -1 : a / b; // XLA's result for integer division by zero
                case POWER -> b < 0 ? 0 : (long) Math.pow(a, b);
                case MAXIMUM -> Math.max(a, b);
                case MINIMUM -> Math.min(a, b);
                case REMAINDER -> b == 0 ? a : a % b;
                case AND -> a & b;
                case OR -> a | b;
                case XOR -> a ^ b;
            };
        }

        boolean logical() { return this == AND || this == OR || this == XOR; }

        /** Whether s32 arithmetic in Java ints (wrapping) is exactly this op's s32 result. */
        boolean wrapsIn32Bits() { return this == ADD || this == SUBTRACT || this == MULTIPLY || logical(); }
    }

    @Override public String name() { return kind.stablehlo; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 2);
        ShapeException.check(in.get(0).equals(in.get(1)), name(), in, "operands must have the same dtype and shape");
        DType t = in.get(0).dtype();
        if (kind.logical()) ShapeException.check(!t.isFloating(), name(), in, "needs boolean or integer operands");
        else ShapeException.check(t != DType.PRED, name(), in, "does not take boolean operands");
        return List.of(in.get(0));
    }

    /** Reference evaluation: f32 in f64 then rounded, which equals f32 arithmetic for + - * / (double rounding is innocuous). */
    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor x = inputs.get(0), y = inputs.get(1);
        int n = x.shape().intSize();
        DType t = x.dtype();
        if (t == DType.F32) {
            float[] a = x.floats(), b = y.floats(), r = new float[n];
            for (int i = 0; i < n; i++) r[i] = (float) kind.apply(a[i], b[i]);
            return List.of(HostTensor.of(x.shape(), r));
        }
        if (t.isFloating()) {
            double[] a = x.doubles(), b = y.doubles(), r = new double[n];
            for (int i = 0; i < n; i++) r[i] = kind.apply(a[i], b[i]);
            return List.of(HostTensor.fromDoubles(t, x.shape(), r));
        }
        if (t == DType.S32 && kind.wrapsIn32Bits()) { // the bit mixing of random-number programs lives here
            int[] a = x.ints(), b = y.ints(), r = new int[n];
            switch (kind) {
                case ADD -> { for (int i = 0; i < n; i++) r[i] = a[i] + b[i]; }
                case SUBTRACT -> { for (int i = 0; i < n; i++) r[i] = a[i] - b[i]; }
                case MULTIPLY -> { for (int i = 0; i < n; i++) r[i] = a[i] * b[i]; }
                case AND -> { for (int i = 0; i < n; i++) r[i] = a[i] & b[i]; }
                case OR -> { for (int i = 0; i < n; i++) r[i] = a[i] | b[i]; }
                default -> { for (int i = 0; i < n; i++) r[i] = a[i] ^ b[i]; }
            }
            return List.of(HostTensor.of(x.shape(), r));
        }
        long[] a = x.longs(), b = y.longs(), r = new long[n];
        for (int i = 0; i < n; i++) r[i] = kind.applyInt(a[i], b[i]);
        if (t == DType.PRED) {
            byte[] p = new byte[n];
            for (int i = 0; i < n; i++) p[i] = (byte) (r[i] & 1);
            return List.of(HostTensor.ofPred(x.shape(), p));
        }
        return List.of(HostTensor.of(x.shape(), r).to(t));
    }

    @Override
    public List<Tensor> vjp(VjpArgs args) {
        Tensor a = args.input(0), b = args.input(1), g = args.cotangent();
        if (!a.dtype().isFloating()) return Arrays.asList(null, null);
        return switch (kind) {
            case ADD -> List.of(g, g);
            case SUBTRACT -> List.of(g, g.neg());
            case MULTIPLY -> List.of(g.mul(b), g.mul(a));
            case DIVIDE -> List.of(g.div(b), g.neg().mul(a).div(b.mul(b)));
            case POWER -> {
                Tensor y = args.output();
                Tensor da = g.mul(b).mul(a.pow(b.sub(1.0)));
                // d/db a^b = log(a) a^b, defined where a > 0 (0 elsewhere, as JAX does for a == 0).
                Tensor safeLog = a.gt(0.0).where(a, a.onesLike()).log();
                Tensor db = a.gt(0.0).where(g.mul(y).mul(safeLog), g.zerosLike());
                yield List.of(da, db);
            }
            case MAXIMUM, MINIMUM -> {
                // Ties split the gradient evenly, as JAX does.
                Tensor y = args.output();
                Tensor aWins = a.eq(y).where(a.onesLike(), a.zerosLike());
                Tensor bWins = b.eq(y).where(b.onesLike(), b.zerosLike());
                Tensor share = aWins.add(bWins);
                yield List.of(g.mul(aWins).div(share), g.mul(bWins).div(share));
            }
            case REMAINDER -> List.of(g, g.neg().mul(a.div(b).truncate()));
            case AND, OR, XOR -> Arrays.asList(null, null);
        };
    }
}
