package monetj.xla.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import monetj.core.autodiff.Autodiff;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Binary;
import monetj.core.ir.Clamp;
import monetj.core.ir.Compare;
import monetj.core.ir.CustomVjp;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Reduce;
import monetj.core.ir.Shift;
import monetj.core.ir.StopGradient;
import monetj.core.ir.Unary;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * The programs of the cross-backend check: every op family of monet-core forward (each kind, f32 and bf16
 * where it applies, integers where they apply) and every gradient rule (the gradient of sum(f(x) * w) for a
 * fixed random w, which runs the rule's backward ops).
 */
public final class CheckCases {
    private CheckCases() {}

    private static final Shape S = Shape.of(3, 4);

    private static CheckCase.Input in(DType t, Shape s, double lo, double hi) { return new CheckCase.Input(new TensorType(t, s), lo, hi); }

    private static CheckCase.Input any(DType t) { return in(t, S, -2, 2); }

    private static CheckCase.Input positive(DType t) { return in(t, S, 0.25, 2); }

    private static CheckCase forward(String name, DType t, List<CheckCase.Input> inputs, Function<List<Tensor>, Tensor> f) {
        return new CheckCase(name + " " + t, t, inputs, p -> List.of(f.apply(p)));
    }

    /** The gradients of sum(f(x) * w) with respect to every floating input. */
    private static CheckCase gradient(String name, DType t, List<CheckCase.Input> inputs, Function<List<Tensor>, Tensor> f) {
        return new CheckCase("grad " + name + " " + t, t, inputs, p -> {
            Tensor y = f.apply(p);
            double[] w = new double[y.shape().intSize()];
            Random rnd = new Random(name.hashCode());
            for (int i = 0; i < w.length; i++) w[i] = rnd.nextDouble() * 2 - 1;
            Tensor loss = y.mul(Tensor.constant(y.graph(), HostTensor.fromDoubles(y.dtype(), y.shape(), w))).sum();
            return Autodiff.grad(loss, p.stream().filter(x -> x.dtype().isFloating()).toList());
        });
    }

    private static boolean positiveDomain(Unary.Kind k) {
        return k == Unary.Kind.LOG || k == Unary.Kind.LOG1P || k == Unary.Kind.SQRT || k == Unary.Kind.RSQRT;
    }

    private static boolean differentiable(Unary.Kind k) { return k != Unary.Kind.SIGN && k != Unary.Kind.FLOOR && k != Unary.Kind.NOT; }

    public static List<CheckCase> all() {
        List<CheckCase> c = new ArrayList<>();
        List<DType> floats = List.of(DType.F32, DType.BF16);
        for (DType t : floats) {
            for (Unary.Kind k : Unary.Kind.values()) {
                if (k == Unary.Kind.NOT) continue;
                CheckCase.Input x = positiveDomain(k) ? positive(t) : any(t);
                Function<List<Tensor>, Tensor> f = p -> Tensor.apply(new Unary(k), p.get(0));
                c.add(forward(k.name().toLowerCase(), t, List.of(x), f));
                if (differentiable(k)) c.add(gradient(k.name().toLowerCase(), t, List.of(x), f));
            }
            for (Binary.Kind k : Binary.Kind.values()) {
                if (k == Binary.Kind.AND || k == Binary.Kind.OR || k == Binary.Kind.XOR) continue;
                boolean pos = k == Binary.Kind.POWER || k == Binary.Kind.DIVIDE || k == Binary.Kind.REMAINDER;
                List<CheckCase.Input> xs = pos ? List.of(positive(t), positive(t)) : List.of(any(t), any(t));
                Function<List<Tensor>, Tensor> f = p -> Tensor.apply(new Binary(k), p.get(0), p.get(1));
                c.add(forward(k.name().toLowerCase(), t, xs, f));
                c.add(gradient(k.name().toLowerCase(), t, xs, f));
            }
            for (Compare.Direction d : Compare.Direction.values()) {
                c.add(forward("compare " + d, t, List.of(any(t), any(t)), p -> Tensor.apply(new Compare(d), p.get(0), p.get(1))));
            }
        }
        for (Binary.Kind k : List.of(Binary.Kind.ADD, Binary.Kind.SUBTRACT, Binary.Kind.MULTIPLY, Binary.Kind.DIVIDE, Binary.Kind.REMAINDER,
                Binary.Kind.MAXIMUM, Binary.Kind.MINIMUM, Binary.Kind.AND, Binary.Kind.OR, Binary.Kind.XOR)) {
            // Divisors stay positive: integer division by zero is defined differently by hardware vendors.
            c.add(forward(k.name().toLowerCase(), DType.S32, List.of(in(DType.S32, S, -50, 50), in(DType.S32, S, 1, 9)),
                    p -> Tensor.apply(new Binary(k), p.get(0), p.get(1))));
        }
        for (Unary.Kind k : List.of(Unary.Kind.NEGATE, Unary.Kind.ABS, Unary.Kind.SIGN, Unary.Kind.NOT)) {
            c.add(forward(k.name().toLowerCase(), DType.S32, List.of(in(DType.S32, S, -50, 50)), p -> Tensor.apply(new Unary(k), p.get(0))));
        }
        for (Shift.Kind k : Shift.Kind.values()) {
            // Whole bit patterns, and amounts past the width (0, or the sign fill, by StableHLO's definition).
            for (DType t : List.of(DType.S32, DType.S64)) {
                double wide = t == DType.S32 ? 2.1e9 : 9.2e18;
                c.add(forward("shift " + k.name().toLowerCase(), t, List.of(in(t, S, -wide, wide), in(t, S, -2, t.byteSize() * 8 + 3)),
                        p -> Tensor.apply(new Shift(k), p.get(0), p.get(1))));
            }
        }
        c.add(forward("bitcast s32->f32", DType.F32, List.of(in(DType.S32, S, 0x3F800000, 0x40000000)), p -> p.get(0).bitcastConvert(DType.F32)));
        c.add(forward("bitcast f32->s32", DType.S32, List.of(any(DType.F32)), p -> p.get(0).bitcastConvert(DType.S32)));
        c.add(forward("convert s64->s32 (low bits)", DType.S32, List.of(in(DType.S64, S, -9.2e18, 9.2e18)), p -> p.get(0).convert(DType.S32)));
        c.add(forward("not", DType.PRED, List.of(in(DType.PRED, S, 0, 2)), p -> p.get(0).not()));
        c.add(forward("and/or", DType.PRED, List.of(in(DType.PRED, S, 0, 2), in(DType.PRED, S, 0, 2)), p -> p.get(0).and(p.get(1)).or(p.get(0).not())));
        c.add(forward("compare LT", DType.S32, List.of(in(DType.S32, S, -3, 3), in(DType.S32, S, -3, 3)), p -> p.get(0).lt(p.get(1))));
        c.add(forward("compare EQ", DType.S32, List.of(in(DType.S32, S, -3, 3), in(DType.S32, S, -3, 3)), p -> p.get(0).eq(p.get(1))));

        for (DType t : floats) {
            List<CheckCase.Input> three = List.of(any(t), any(t), any(t));
            Function<List<Tensor>, Tensor> select = p -> p.get(0).gt(p.get(1)).where(p.get(1), p.get(2));
            c.add(forward("select", t, three, select));
            c.add(gradient("select", t, three, select));
            Function<List<Tensor>, Tensor> clamp = p -> p.get(0).clamp(-0.5, 0.75);
            c.add(forward("clamp", t, List.of(any(t)), clamp));
            c.add(gradient("clamp", t, List.of(any(t)), clamp));
            Function<List<Tensor>, Tensor> clampTensor = p -> Tensor.apply(new Clamp(), p.get(0), p.get(1), p.get(2));
            List<CheckCase.Input> bounds = List.of(in(t, S, -1, 0), any(t), in(t, S, 0, 1));
            c.add(forward("clamp bounds", t, bounds, clampTensor));
            c.add(gradient("clamp bounds", t, bounds, clampTensor));
        }

        c.add(forward("convert f32->bf16", DType.F32, List.of(any(DType.F32)), p -> p.get(0).convert(DType.BF16).convert(DType.F32)));
        c.add(forward("convert f32->f16", DType.F32, List.of(any(DType.F32)), p -> p.get(0).convert(DType.F16).convert(DType.F32)));
        c.add(forward("convert f32->s32", DType.S32, List.of(in(DType.F32, S, -20, 20)), p -> p.get(0).convert(DType.S32)));
        c.add(forward("convert s32->f32", DType.F32, List.of(in(DType.S32, S, -1000, 1000)), p -> p.get(0).convert(DType.F32)));
        c.add(forward("convert pred->f32", DType.F32, List.of(in(DType.PRED, S, 0, 2)), p -> p.get(0).convert(DType.F32)));
        c.add(forward("convert f32->f64", DType.F64, List.of(any(DType.F32)), p -> p.get(0).convert(DType.F64)));
        c.add(gradient("convert f32->bf16", DType.BF16, List.of(any(DType.F32)), p -> p.get(0).convert(DType.BF16).convert(DType.F32)));

        for (DType t : floats) {
            Function<List<Tensor>, Tensor> bcast = p -> p.get(0).broadcastInDim(Shape.of(2, 3, 4), 0, 2);
            List<CheckCase.Input> col = List.of(in(t, Shape.of(2, 4), -2, 2));
            c.add(forward("broadcast_in_dim", t, col, bcast));
            c.add(gradient("broadcast_in_dim", t, col, bcast));
            Function<List<Tensor>, Tensor> reshape = p -> p.get(0).reshape(2, 6);
            c.add(forward("reshape", t, List.of(any(t)), reshape));
            c.add(gradient("reshape", t, List.of(any(t)), reshape));
            Function<List<Tensor>, Tensor> transpose = p -> p.get(0).reshape(3, 2, 2).transpose(2, 0, 1);
            c.add(forward("transpose", t, List.of(any(t)), transpose));
            c.add(gradient("transpose", t, List.of(any(t)), transpose));
            for (Reduce.Kind k : Reduce.Kind.values()) {
                Function<List<Tensor>, Tensor> r = p -> p.get(0).reduce(k, 1);
                c.add(forward("reduce " + k, t, List.of(any(t)), r));
                c.add(gradient("reduce " + k, t, List.of(any(t)), r));
            }
            c.add(forward("reduce SUM all", t, List.of(any(t)), p -> p.get(0).sum()));
        }
        for (Reduce.Kind k : Reduce.Kind.values()) {
            c.add(forward("reduce " + k, DType.S32, List.of(in(DType.S32, S, -50, 50)), p -> p.get(0).reduce(k, 0)));
        }

        // f32 dots at HIGHEST: GPUs otherwise may multiply f32 in TF32, which is a different (documented) contract.
        DotGeneral matmul = new DotGeneral(new int[0], new int[0], new int[] {1}, new int[] {0}, DotGeneral.Precision.HIGHEST, null);
        DotGeneral batched = new DotGeneral(new int[] {0}, new int[] {0}, new int[] {2}, new int[] {1}, DotGeneral.Precision.HIGHEST, null);
        List<CheckCase.Input> mm = List.of(in(DType.F32, Shape.of(5, 7), -1, 1), in(DType.F32, Shape.of(7, 3), -1, 1));
        List<CheckCase.Input> bmm = List.of(in(DType.F32, Shape.of(2, 4, 6), -1, 1), in(DType.F32, Shape.of(2, 6, 3), -1, 1));
        c.add(forward("dot_general matmul", DType.F32, mm, p -> Tensor.apply(matmul, p.get(0), p.get(1))));
        c.add(gradient("dot_general matmul", DType.F32, mm, p -> Tensor.apply(matmul, p.get(0), p.get(1))));
        c.add(forward("dot_general batched", DType.F32, bmm, p -> Tensor.apply(batched, p.get(0), p.get(1))));
        c.add(gradient("dot_general batched", DType.F32, bmm, p -> Tensor.apply(batched, p.get(0), p.get(1))));
        DotGeneral bf16ToF32 = new DotGeneral(new int[0], new int[0], new int[] {1}, new int[] {0}, DotGeneral.Precision.DEFAULT, DType.F32);
        List<CheckCase.Input> mmBf16 = List.of(in(DType.BF16, Shape.of(5, 16), -1, 1), in(DType.BF16, Shape.of(16, 3), -1, 1));
        c.add(forward("dot_general bf16->f32", DType.F32, mmBf16, p -> Tensor.apply(bf16ToF32, p.get(0), p.get(1))));
        c.add(forward("dot_general bf16", DType.BF16, mmBf16, p -> Tensor.apply(DotGeneral.contracting(1, 0), p.get(0), p.get(1))));
        c.add(gradient("dot_general bf16", DType.BF16, mmBf16, p -> Tensor.apply(DotGeneral.contracting(1, 0), p.get(0), p.get(1))));

        addDataMovement(c);

        c.add(forward("constant", DType.F32, List.of(any(DType.F32)), p -> {
            float[] big = new float[48];
            for (int i = 0; i < big.length; i++) big[i] = (float) Math.sin(i);
            Tensor k = Tensor.constant(p.get(0).graph(), HostTensor.of(Shape.of(4, 3, 4), big)).sum(0);
            return p.get(0).add(k);
        }));
        Function<List<Tensor>, Tensor> stop = p -> p.get(0).mul(Tensor.apply(new StopGradient(), p.get(0).exp()));
        c.add(forward("stop_gradient", DType.F32, List.of(any(DType.F32)), stop));
        c.add(gradient("stop_gradient", DType.F32, List.of(any(DType.F32)), stop));
        Function<List<Tensor>, Tensor> custom = p -> {
            Tensor x = p.get(0), y = x.tanh();
            // A deliberately different backward (2 g) than tanh's own, so the check sees the user's rule ran.
            CustomVjp op = new CustomVjp("twice", 1, (ins, outs, cts) -> List.of(cts.get(0).mul(2.0)));
            return Tensor.apply(op, x, y);
        };
        c.add(forward("custom_vjp", DType.F32, List.of(any(DType.F32)), custom));
        c.add(gradient("custom_vjp", DType.F32, List.of(any(DType.F32)), custom));
        return c;
    }

    /** Slices, concatenate, pad, iota, the barrier, gather/scatter and sort; index inputs stay in range. */
    private static void addDataMovement(List<CheckCase> c) {
        CheckCase.Input start = in(DType.S32, Shape.SCALAR, 0, 4);
        for (DType t : List.of(DType.F32, DType.BF16)) {
            List<Function<List<Tensor>, Tensor>> fs = List.of(
                    p -> p.get(0).slice(new int[] {0, 1}, new int[] {3, 4}, new int[] {2, 1}),
                    p -> Tensor.concat(1, p.get(0), p.get(0).exp()),
                    p -> p.get(0).pad(0.5, new int[] {1, -1}, new int[] {2, 1}, new int[] {1, 0}));
            List<String> names = List.of("slice", "concatenate", "pad");
            for (int i = 0; i < fs.size(); i++) {
                c.add(forward(names.get(i), t, List.of(any(t)), fs.get(i)));
                c.add(gradient(names.get(i), t, List.of(any(t)), fs.get(i)));
            }
            Function<List<Tensor>, Tensor> dyn = p -> p.get(0).dynamicSlice(1, p.get(1), 2);
            c.add(forward("dynamic_slice", t, List.of(any(t), start), dyn));
            c.add(gradient("dynamic_slice", t, List.of(any(t), start), dyn));
            Function<List<Tensor>, Tensor> upd = p -> p.get(0).dynamicUpdateSlice(1, p.get(1), p.get(2));
            List<CheckCase.Input> updIn = List.of(any(t), start, in(t, Shape.of(3, 2), -2, 2));
            c.add(forward("dynamic_update_slice", t, updIn, upd));
            c.add(gradient("dynamic_update_slice", t, updIn, upd));
        }
        c.add(forward("iota", DType.S32, List.of(in(DType.S32, S, -5, 5)), p -> p.get(0).add(Tensor.iota(p.get(0).graph(), DType.S32, S, 1))));
        c.add(forward("iota", DType.F32, List.of(any(DType.F32)), p -> p.get(0).mul(Tensor.iota(p.get(0).graph(), DType.F32, S, 0))));
        Function<List<Tensor>, Tensor> barrier = p -> {
            List<Tensor> b = Tensor.optimizationBarrier(p.get(0).exp(), p.get(0));
            return b.get(0).mul(b.get(1));
        };
        c.add(forward("optimization_barrier", DType.F32, List.of(any(DType.F32)), barrier));
        c.add(gradient("optimization_barrier", DType.F32, List.of(any(DType.F32)), barrier));

        List<CheckCase.Input> lookup = List.of(in(DType.F32, Shape.of(5, 3), -2, 2), in(DType.S32, Shape.of(2, 4), 0, 5));
        Function<List<Tensor>, Tensor> take = p -> p.get(0).take(p.get(1), 0); // repeated ids make the gradient's scatter accumulate
        c.add(forward("gather take", DType.F32, lookup, take));
        c.add(gradient("gather take (scatter)", DType.F32, lookup, take));
        List<CheckCase.Input> along = List.of(any(DType.F32), in(DType.S32, Shape.of(3, 2), 0, 4));
        Function<List<Tensor>, Tensor> takeAlong = p -> p.get(0).takeAlongAxis(p.get(1), 1);
        c.add(forward("gather take_along_axis", DType.F32, along, takeAlong));
        c.add(gradient("gather take_along_axis", DType.F32, along, takeAlong));

        for (DType t : List.of(DType.F32, DType.BF16, DType.S32)) {
            CheckCase.Input x = in(t, S, -50, 50);
            c.add(forward("sort ascending", t, List.of(x), p -> p.get(0).sort(1)));
            c.add(forward("sort descending with positions", t, List.of(x), p -> p.get(0).sort(0, true, p.get(0).positionsAlong(0)).get(1)));
        }
        Function<List<Tensor>, Tensor> topValues = p -> p.get(0).topK(2).get(0);
        c.add(forward("top_k", DType.F32, List.of(any(DType.F32)), p -> p.get(0).topK(3).get(1)));
        c.add(gradient("top_k (sort)", DType.F32, List.of(any(DType.F32)), topValues));
    }
}
