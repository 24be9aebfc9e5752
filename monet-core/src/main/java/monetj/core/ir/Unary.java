package monetj.core.ir;

import java.util.ArrayList;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/** Elementwise unary ops. Floating kinds compute in f64 and round to the result type. */
public record Unary(Kind kind) implements Op {
    public enum Kind {
        NEGATE("negate"), ABS("abs"), SIGN("sign"), EXP("exponential"), LOG("log"), LOG1P("log_plus_one"),
        TANH("tanh"), LOGISTIC("logistic"), SQRT("sqrt"), RSQRT("rsqrt"), FLOOR("floor"), SINE("sine"),
        COSINE("cosine"), NOT("not");

        final String stablehlo;

        Kind(String stablehlo) { this.stablehlo = stablehlo; }

        public double apply(double x) {
            return switch (this) {
                case NEGATE -> -x;
                case ABS -> Math.abs(x);
                case SIGN -> Math.signum(x);
                case EXP -> Math.exp(x);
                case LOG -> Math.log(x);
                case LOG1P -> Math.log1p(x);
                case TANH -> Math.tanh(x);
                case LOGISTIC -> 1.0 / (1.0 + Math.exp(-x));
                case SQRT -> Math.sqrt(x);
                case RSQRT -> 1.0 / Math.sqrt(x);
                case FLOOR -> Math.floor(x);
                case SINE -> Math.sin(x);
                case COSINE -> Math.cos(x);
                case NOT -> throw new AssertionError();
            };
        }

        long applyInt(long x) {
            return switch (this) {
                case NEGATE -> -x;
                case ABS -> Math.abs(x);
                case SIGN -> Long.signum(x);
                case NOT -> ~x;
                default -> throw new AssertionError();
            };
        }

        boolean integerOk() { return this == NEGATE || this == ABS || this == SIGN || this == NOT; }
    }

    @Override public String name() { return kind.stablehlo; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 1);
        DType t = in.get(0).dtype();
        if (kind == Kind.NOT) {
            ShapeException.check(!t.isFloating(), name(), in, "needs a boolean or integer operand");
        } else if (!t.isFloating()) {
            ShapeException.check(kind.integerOk() && t != DType.PRED, name(), in, "needs a floating-point operand");
        }
        return List.of(in.get(0));
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor x = inputs.get(0);
        int n = x.shape().intSize();
        if (x.dtype() == DType.F32) {
            float[] a = x.floats(), r = new float[n];
            for (int i = 0; i < n; i++) r[i] = (float) kind.apply(a[i]);
            return List.of(HostTensor.of(x.shape(), r));
        }
        if (x.dtype().isFloating()) {
            double[] a = x.doubles(), r = new double[n];
            for (int i = 0; i < n; i++) r[i] = kind.apply(a[i]);
            return List.of(HostTensor.fromDoubles(x.dtype(), x.shape(), r));
        }
        if (x.dtype() == DType.PRED) {
            byte[] a = x.preds(), r = new byte[n];
            for (int i = 0; i < n; i++) r[i] = (byte) (a[i] == 0 ? 1 : 0);
            return List.of(HostTensor.ofPred(x.shape(), r));
        }
        long[] a = x.longs(), r = new long[n];
        for (int i = 0; i < n; i++) r[i] = kind.applyInt(a[i]);
        return List.of(HostTensor.of(x.shape(), r).to(x.dtype()));
    }

    @Override
    public List<Tensor> vjp(VjpArgs a) {
        Tensor x = a.input(0), y = a.output(), g = a.cotangent();
        Tensor dx = switch (kind) {
            case NEGATE -> g.neg();
            case ABS -> g.mul(x.sign());
            case SIGN, FLOOR, NOT -> null;
            case EXP -> g.mul(y);
            case LOG -> g.div(x);
            case LOG1P -> g.div(x.add(1.0));
            case TANH -> g.mul(y.mul(y).neg().add(1.0));
            case LOGISTIC -> g.mul(y).mul(y.neg().add(1.0));
            case SQRT -> g.mul(0.5).div(y);
            case RSQRT -> g.mul(-0.5).mul(y).mul(y).mul(y);
            case SINE -> g.mul(x.cos());
            case COSINE -> g.mul(x.sin()).neg();
        };
        List<Tensor> out = new ArrayList<>();
        out.add(dx);
        return out;
    }
}
