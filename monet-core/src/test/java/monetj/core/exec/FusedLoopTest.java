package monetj.core.exec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Parameter;
import monetj.core.ir.Reduce;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

/** Fused elementwise loops give exactly the results of running the same graph node by node. */
class FusedLoopTest {
    private final Random random = new Random(7);

    /** Every live node by its table kernel, in order, nothing fused: the meaning fusion must keep. */
    static List<HostTensor> nodeByNode(Graph g, List<HostTensor> args) {
        HostTensor[][] values = new HostTensor[g.nodes().size()][];
        for (Node n : g.liveNodes()) {
            if (n.op() instanceof Parameter p) {
                values[n.id()] = new HostTensor[] {args.get(p.index())};
                continue;
            }
            List<HostTensor> in = new ArrayList<>();
            for (Value v : n.inputs()) in.add(values[v.node().id()][v.index()]);
            values[n.id()] = KernelTable.forNode(n).run(in).toArray(new HostTensor[0]);
        }
        return g.outputs().stream().map(v -> values[v.node().id()][v.index()]).toList();
    }

    /** Bit for bit, except that any NaN equals any other (which NaN an operation returns is not specified, and varies with the JIT's code). */
    static boolean sameValues(HostTensor a, HostTensor b) {
        if (!a.type().equals(b.type())) return false;
        if (a.dtype() != DType.F32 && a.dtype() != DType.BF16) return a.contentEquals(b);
        float[] x = a.floats(), y = b.floats();
        for (int i = 0; i < x.length; i++) if (Float.floatToIntBits(x[i]) != Float.floatToIntBits(y[i])) return false;
        return true;
    }

    private static final float[] EDGES = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -1e-40f, 100f, -100f};

    private HostTensor random(TensorType t) {
        int n = t.shape().intSize();
        return switch (t.dtype()) {
            case F32 -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) v[i] = random.nextInt(20) == 0 ? EDGES[random.nextInt(EDGES.length)] : (float) random.nextGaussian() * 2;
                yield HostTensor.of(t.shape(), v);
            }
            case PRED -> {
                byte[] v = new byte[n];
                for (int i = 0; i < n; i++) v[i] = (byte) random.nextInt(2);
                yield HostTensor.ofPred(t.shape(), v);
            }
            case S32 -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) v[i] = random.nextInt(1 << 26) - (1 << 25); // beyond 2^24: the convert rounds
                yield HostTensor.of(t.shape(), v);
            }
            default -> random(new TensorType(DType.F32, t.shape())).to(t.dtype());
        };
    }

    /** A random elementwise program over shape [a, b, c] reading full tensors, a row, a column, a scalar, bf16, s32 and pred operands. */
    private Graph randomProgram(Shape s) {
        Graph g = new Graph("elementwise");
        List<Tensor> pool = new ArrayList<>();
        for (int i = 0; i < 3; i++) pool.add(new Tensor(g, g.parameter("x" + i, new TensorType(DType.F32, s))));
        Tensor row = new Tensor(g, g.parameter("row", TensorType.of(DType.F32, s.dim(2))));
        Tensor column = new Tensor(g, g.parameter("column", TensorType.of(DType.F32, s.dim(0), 1, 1)));
        Tensor scalar = new Tensor(g, g.parameter("scalar", TensorType.of(DType.F32)));
        Tensor half = new Tensor(g, g.parameter("half", new TensorType(DType.BF16, s)));
        Tensor ints = new Tensor(g, g.parameter("ints", new TensorType(DType.S32, s)));
        Tensor mask = new Tensor(g, g.parameter("mask", new TensorType(DType.PRED, s)));
        pool.add(half.convert(DType.F32));
        pool.add(ints.convert(DType.F32));
        for (int step = 0; step < 14; step++) {
            Tensor a = pool.get(random.nextInt(pool.size())), b = pool.get(random.nextInt(pool.size()));
            Tensor next = switch (random.nextInt(17)) {
                case 14 -> a.convert(DType.BF16).mul(half).add(half).div(half.abs().add(1.0)).convert(DType.F32); // bf16 arithmetic
                case 15 -> half.exp().sub(a.convert(DType.BF16)).tanh().maximum(half).convert(DType.F32);
                case 16 -> half.gt(a.convert(DType.BF16)).where(half, half.neg().sqrt()).convert(DType.F32);
                case 0 -> a.add(b);
                case 1 -> a.sub(row);
                case 2 -> a.mul(column);
                case 3 -> a.div(b.add(scalar));
                case 4 -> a.maximum(b).minimum(b.add(row));
                case 5 -> a.exp();
                case 6 -> a.abs().log();
                case 7 -> a.neg().tanh();
                case 8 -> a.abs().sqrt();
                case 9 -> a.gt(b).where(a, b.mul(0.5));
                case 10 -> mask.where(a, row.broadcastTo(s));
                case 11 -> a.convert(DType.BF16).convert(DType.F32);
                case 12 -> a.clamp(-1.5, 2.0);
                default -> a.pow(2.0).sub(b.mul(scalar));
            };
            pool.add(next);
        }
        // several results, some of them values that later ones also read
        // and reductions of fresh elementwise values (reduced as they are computed): over rows, columns and everything
        Tensor last = pool.get(pool.size() - 1), other = pool.get(pool.size() - 3);
        // and values read by reductions and by other nodes (written and reduced by one loop): as softmax's exponentials
        Tensor e = other.sub(last).exp(), f = last.mul(other);
        g.setOutputs(List.of(last.value(), pool.get(pool.size() - 4).value(), last.gt(0.0).value(), pool.get(pool.size() - 2).convert(DType.BF16).value(),
                other.mul(1.5).reduce(Reduce.Kind.SUM, 2).value(), other.sub(last).reduce(Reduce.Kind.MAX, 0, 1).value(),
                last.abs().reduce(Reduce.Kind.MIN, 0, 1, 2).value(), other.exp().reduce(Reduce.Kind.SUM, 1, 2).value(),
                e.div(e.reduce(Reduce.Kind.SUM, 2).broadcastInDim(s, new int[] {0, 1})).value(), e.reduce(Reduce.Kind.SUM, 0).value(),
                f.value(), f.reduce(Reduce.Kind.MAX, 1, 2).value(), other.add(last).reduce(Reduce.Kind.MAX, 2).value()));
        return g;
    }

    /** Both the generated loops and the interpreter. */
    private static final List<JavaExecutor> BOTH = List.of(new JavaExecutor(FusedLoop.Code.GENERATED), new JavaExecutor(FusedLoop.Code.INTERPRETED));

    @Test
    void randomElementwiseProgramsMatchNodeByNodeExecutionBitForBit() {
        for (int trial = 0; trial < 40; trial++) {
            Shape s = trial == 0 ? Shape.of(3, 70, 301) : Shape.of(1 + random.nextInt(5), 1 + random.nextInt(7), 1 + random.nextInt(40));
            Graph g = randomProgram(s);
            List<HostTensor> args = g.parameterTypes().stream().map(this::random).toList();
            List<HostTensor> plain = nodeByNode(g, args);
            for (JavaExecutor exec : BOTH) {
                List<HostTensor> fused = exec.run(g, args);
                for (int i = 0; i < plain.size(); i++) {
                    assertEquals(plain.get(i).type(), fused.get(i).type(), "result " + i + " of trial " + trial);
                    assertTrue(sameValues(plain.get(i), fused.get(i)), "result " + i + " of trial " + trial + " on " + s + ":\n" + g);
                }
            }
        }
    }

    @Test
    void broadcastsReadThroughMatchMaterialisedOnes() {
        for (int trial = 0; trial < 60; trial++) {
            JavaExecutor exec = BOTH.get(trial % 2);
            Shape s = Shape.of(1 + random.nextInt(4), 1 + random.nextInt(5), 1 + random.nextInt(6), 1 + random.nextInt(9));
            Graph g = new Graph("broadcasts");
            Tensor x = new Tensor(g, g.parameter("x", new TensorType(DType.F32, s)));
            // an operand of shape [a, 1, c, 1] or [b, d] etc.: every subset of the dims, some stretched from 1
            List<Integer> dims = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            for (int d = 0; d < 4; d++) {
                if (random.nextBoolean()) {
                    dims.add(d);
                    sizes.add(random.nextInt(3) == 0 ? 1 : s.dim(d));
                }
            }
            Tensor y = new Tensor(g, g.parameter("y", TensorType.of(DType.F32, sizes.stream().mapToInt(Integer::intValue).toArray())));
            Tensor b = y.broadcastInDim(s, dims.stream().mapToInt(Integer::intValue).toArray());
            g.setOutputs(List.of(x.mul(b).add(b).value()));
            List<HostTensor> args = g.parameterTypes().stream().map(this::random).toList();
            assertTrue(sameValues(nodeByNode(g, args).get(0), exec.run(g, args).get(0)), "broadcast of " + sizes + " along " + dims + " to " + s);
        }
    }

    /** A random s32 bit-mixing program over shape s: iotas, parameters, constants, shifts by constant and varying amounts (some outside [0, 32)). */
    private Graph randomIntegerProgram(Shape s) {
        Graph g = new Graph("bits");
        TensorType t = new TensorType(DType.S32, s);
        List<Tensor> pool = new ArrayList<>();
        pool.add(new Tensor(g, g.parameter("x", t)));
        Tensor amounts = new Tensor(g, g.parameter("amounts", t));
        Tensor row = new Tensor(g, g.parameter("row", TensorType.of(DType.S32, s.dim(s.rank() - 1))));
        for (int d = 0; d < s.rank(); d++) pool.add(Tensor.iota(g, DType.S32, s, d));
        for (int step = 0; step < 24; step++) {
            Tensor a = pool.get(random.nextInt(pool.size())), b = pool.get(random.nextInt(pool.size()));
            Tensor word = Tensor.full(g, DType.S32, s, random.nextInt(8) == 0 ? 32 + random.nextInt(3) : random.nextInt(32));
            Tensor next = switch (random.nextInt(10)) {
                case 0 -> a.add(b);
                case 1 -> a.sub(b.mul(word));
                case 2 -> a.xor(b);
                case 3 -> a.or(word).and(b);
                case 4 -> a.shiftLeft(word).or(a.shiftRightLogical(Tensor.full(g, DType.S32, s, 32).sub(word))); // a rotation
                case 5 -> a.shiftRightLogical(amounts);
                case 6 -> a.shiftLeft(amounts).add(row.broadcastInDim(s, new int[] {s.rank() - 1}));
                case 7 -> new Tensor(g, g.apply1(new monetj.core.ir.Shift(monetj.core.ir.Shift.Kind.RIGHT_ARITHMETIC), a.value(), word.value()));
                case 8 -> a.mul(word).add(b);
                default -> a.xor(word);
            };
            pool.add(next);
        }
        Tensor last = pool.get(pool.size() - 1);
        Tensor unit = last.shiftRightLogical(Tensor.full(g, DType.S32, s, 9)).or(Tensor.full(g, DType.S32, s, 0x3F800000)).bitcastConvert(DType.F32).sub(1.0);
        g.setOutputs(List.of(last.value(), pool.get(pool.size() - 3).value(), unit.value(), last.bitcastConvert(DType.F32).value()));
        return g;
    }

    @Test
    void randomIntegerProgramsMatchNodeByNodeExecution() {
        JavaExecutor exec = new JavaExecutor();
        for (int trial = 0; trial < 40; trial++) {
            Shape s = trial == 0 ? Shape.of(3, 70, 301) : trial == 1 ? Shape.of(5000) : Shape.of(1 + random.nextInt(5), 1 + random.nextInt(7), 1 + random.nextInt(40));
            Graph g = randomIntegerProgram(s);
            List<HostTensor> args = new ArrayList<>();
            for (TensorType t : g.parameterTypes()) {
                int[] v = new int[t.shape().intSize()];
                boolean amounts = args.size() == 1;
                for (int i = 0; i < v.length; i++) v[i] = amounts ? random.nextInt(40) - 4 : random.nextInt();
                args.add(HostTensor.of(t.shape(), v));
            }
            List<HostTensor> fused = exec.run(g, args), plain = nodeByNode(g, args);
            for (int i = 0; i < plain.size(); i++) {
                assertEquals(plain.get(i).type(), fused.get(i).type(), "result " + i + " of trial " + trial);
                assertTrue(plain.get(i).contentEquals(fused.get(i)), "result " + i + " of trial " + trial + " on " + s + ":\n" + g);
            }
        }
    }

    @Test
    void randomBitsAreOneIntegerLoop() {
        Graph g = new Graph("threefry");
        Tensor hi = new Tensor(g, g.parameter("hi", TensorType.of(DType.S32))), lo = new Tensor(g, g.parameter("lo", TensorType.of(DType.S32)));
        Shape s = Shape.of(37, 129);
        Tensor bits = monetj.core.random.RandomBits.of(hi, lo, s);
        g.setOutputs(List.of(monetj.core.random.UnitFloats.uniform(bits).value()));
        List<HostTensor> args = List.of(HostTensor.of(Shape.SCALAR, new int[] {0x12345678}), HostTensor.of(Shape.SCALAR, new int[] {-7}));
        assertTrue(nodeByNode(g, args).get(0).contentEquals(new JavaExecutor().run(g, args).get(0)));
        List<Node> live = g.liveNodes();
        FusionPlan plan = new FusionPlan(live, g.outputs(), live.get(live.size() - 1).id() + 1);
        // the key schedule computes on scalars: loops of one element
        List<FusionPlan.Cluster> whole = live.stream().map(plan::runsAt).filter(c -> c != null && c.root().types().get(0).shape().equals(s)).toList();
        long loops = whole.size(), integerLoops = whole.stream().filter(FusionPlan.Cluster::integer).count();
        assertEquals(1, integerLoops, "the counter, the twenty rounds and the bitcast are one loop");
        assertEquals(2, loops, "and the f32 arithmetic after it another");
    }
}
