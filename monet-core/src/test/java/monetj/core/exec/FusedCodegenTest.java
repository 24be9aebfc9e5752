package monetj.core.exec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Binary;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Reduce;
import monetj.core.ir.Unary;
import monetj.core.tensor.DType;
import monetj.core.tensor.Float16;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

/**
 * Generated fused loops and the interpreter both give, bit for bit, what the ops' kernels give node by node, for
 * every op the generator emits, on every pair of edge values (NaN, both zeros, infinities, subnormals, the
 * extremes, the exp/log cut-offs, bf16 rounding ties) in whole vectors and in the tail the interpreter finishes.
 */
class FusedCodegenTest {
    private static final float[] EDGES = {0f, -0f, 1f, -1f, 0.5f, -2.5f, 3f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, -Float.MIN_VALUE, 1e-40f, -3e-39f, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 88.8f, 89f, -104f,
            -110f, 1e-30f, Float.intBitsToFloat(0x3F808000), Float.intBitsToFloat(0x3F818000), Float.intBitsToFloat(0xC0A18000),
            Float.intBitsToFloat(0x7F7F8000), Float.intBitsToFloat(0x007F8000), 7.25f};
    /** Every ordered pair of edge values, plus a few elements more than whole vectors hold: the interpreter's tail. */
    private static final int N = EDGES.length * EDGES.length + 5;

    private static HostTensor firsts() {
        float[] x = new float[N];
        for (int i = 0; i < N; i++) x[i] = EDGES[i / EDGES.length % EDGES.length];
        return HostTensor.of(Shape.of(N), x);
    }

    private static HostTensor seconds() {
        float[] y = new float[N];
        for (int i = 0; i < N; i++) y[i] = EDGES[i % EDGES.length];
        return HostTensor.of(Shape.of(N), y);
    }

    /** Every f32 cluster of {@code g} is generated code (when {@code expected}; else none is). */
    private static void assertGenerated(Graph g, boolean expected) {
        List<Node> live = g.liveNodes();
        FusionPlan plan = new FusionPlan(live, g.outputs(), live.get(live.size() - 1).id() + 1);
        int loops = 0;
        for (Node n : live) {
            FusionPlan.Cluster c = plan.runsAt(n);
            if (c == null || c.integer()) continue;
            loops++;
            assertEquals(expected, new FusedLoop(c, FusedLoop.Code.GENERATED).generated() != null, "cluster rooted at %" + c.root().id() + " of\n" + g);
        }
        assertTrue(loops > 0, "no fused loop in\n" + g);
    }

    /** Both kinds of loop against node-by-node execution, every result bit for bit (any NaN equals any other). */
    private static void assertSameAsNodeByNode(Graph g, List<HostTensor> args, String what) {
        List<HostTensor> plain = FusedLoopTest.nodeByNode(g, args);
        for (FusedLoop.Code code : new FusedLoop.Code[] {FusedLoop.Code.GENERATED, FusedLoop.Code.INTERPRETED}) {
            List<HostTensor> fused = new JavaExecutor(code).run(g, args);
            for (int i = 0; i < plain.size(); i++) {
                HostTensor p = plain.get(i), f = fused.get(i);
                assertEquals(p.type(), f.type(), what);
                if (FusedLoopTest.sameValues(p, f)) continue;
                float[] x = p.dtype() == DType.PRED ? p.to(DType.F32).floats() : p.floats(), y = f.dtype() == DType.PRED ? f.to(DType.F32).floats() : f.floats();
                for (int k = 0; k < x.length; k++) {
                    if (Float.floatToIntBits(x[k]) != Float.floatToIntBits(y[k])) {
                        fail(what + " " + code + ", result " + i + " at " + k + ": node by node " + x[k] + ", fused " + y[k]
                                + " (operands " + EDGES[k / EDGES.length % EDGES.length] + ", " + EDGES[k % EDGES.length] + ")");
                    }
                }
            }
        }
    }

    /** f(x, y) over two f32 vectors, and the same in bf16 (operands rounded, the result rounded after the op). */
    private static void check(String what, BiFunction<Tensor, Tensor, Tensor> f) {
        for (DType t : new DType[] {DType.F32, DType.BF16}) {
            Graph g = new Graph(what);
            Tensor x = new Tensor(g, g.parameter("x", TensorType.of(DType.F32, N))), y = new Tensor(g, g.parameter("y", TensorType.of(DType.F32, N)));
            Tensor r = f.apply(x.convert(t), y.convert(t));
            // A bf16 result leaves widened (f32 outputs; a bf16 store is tested in the stages below).
            Tensor out = r.dtype() == DType.BF16 ? r.convert(DType.F32) : r;
            g.setOutputs(List.of(out.value(), r.dtype() == DType.PRED ? r.value() : out.mul(x).value()));
            assertGenerated(g, true); // a bf16 loop heavier than one body runs as several (FusedStages)
            assertSameAsNodeByNode(g, List.of(firsts(), seconds()), what + " in " + t);
        }
    }

    private static void checkUnary(String what, UnaryOperator<Tensor> f) { check(what, (x, y) -> f.apply(x)); }

    @Test
    void everyBinaryOp() {
        for (Binary.Kind k : Binary.Kind.values()) {
            if (k == Binary.Kind.AND || k == Binary.Kind.OR || k == Binary.Kind.XOR) continue; // integer and boolean ops: never in an f32 loop
            check(k.name(), (x, y) -> Tensor.apply(new Binary(k), x, y));
        }
    }

    @Test
    void everyUnaryOp() {
        for (Unary.Kind k : Unary.Kind.values()) if (k != Unary.Kind.NOT) checkUnary(k.name(), x -> Tensor.apply(new Unary(k), x));
    }

    @Test
    void comparisonsSelectsAndClamps() {
        check("eq", Tensor::eq);
        check("ne", Tensor::ne);
        check("lt", Tensor::lt);
        check("le", Tensor::le);
        check("gt", Tensor::gt);
        check("ge", Tensor::ge);
        check("select", (x, y) -> x.gt(y).where(x, y.neg()));
        check("clamp by constants", (x, y) -> x.clamp(-1.5, 2.0));
        check("clamp by tensors", (x, y) -> Tensor.apply(new monetj.core.ir.Clamp(), y.minimum(x.neg()), x, y.maximum(x.neg())));
        checkUnary("convert to bf16 and back", x -> x.convert(DType.F32).convert(DType.BF16).convert(DType.F32).add(x.convert(DType.F32)));
    }

    @Test
    void everyKindOfLeafAndOutput() {
        int rows = 7, cols = 3 * FusedLanes.LANES + 5;
        Shape s = Shape.of(rows, cols);
        Graph g = new Graph("leaves");
        Tensor x = new Tensor(g, g.parameter("x", new TensorType(DType.F32, s)));
        Tensor half = new Tensor(g, g.parameter("half", new TensorType(DType.BF16, s)));
        Tensor mask = new Tensor(g, g.parameter("mask", new TensorType(DType.PRED, s)));
        Tensor ints = new Tensor(g, g.parameter("ints", new TensorType(DType.S32, s)));
        Tensor row = new Tensor(g, g.parameter("row", TensorType.of(DType.F32, cols)));
        Tensor column = new Tensor(g, g.parameter("column", TensorType.of(DType.F32, rows)));
        Tensor scalar = new Tensor(g, g.parameter("scalar", TensorType.of(DType.F32)));
        Tensor sum = x.mul(half.convert(DType.F32)).add(row.broadcastTo(s)).sub(column.broadcastInDim(s, 0)).div(scalar.broadcastTo(s))
                .add(ints.convert(DType.F32));
        Tensor picked = mask.where(sum, x.exp());
        Tensor e = picked.sub(x).exp();
        g.setOutputs(List.of(picked.value(), picked.convert(DType.BF16).value(), picked.gt(x).value(), e.value(), e.reduce(Reduce.Kind.SUM, 1).value(),
                x.mul(half.convert(DType.F32)).reduce(Reduce.Kind.SUM, 1).value(), x.add(row.broadcastTo(s)).reduce(Reduce.Kind.MAX, 0).value()));
        assertGenerated(g, true);
        java.util.Random random = new java.util.Random(3);
        List<HostTensor> args = new ArrayList<>();
        for (TensorType t : g.parameterTypes()) {
            int n = t.shape().intSize();
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = random.nextInt(8) == 0 ? EDGES[random.nextInt(EDGES.length)] : (float) random.nextGaussian();
            args.add(switch (t.dtype()) {
                case PRED -> randomMask(t.shape(), random);
                case S32 -> HostTensor.of(t.shape(), random.ints(n, -(1 << 26), 1 << 26).toArray());
                case BF16 -> HostTensor.ofShorts(DType.BF16, t.shape(), bf16(v));
                default -> HostTensor.of(t.shape(), v);
            });
        }
        assertSameAsNodeByNode(g, args, "leaves");
    }

    private static HostTensor randomMask(Shape s, java.util.Random random) {
        byte[] m = new byte[s.intSize()];
        for (int i = 0; i < m.length; i++) m[i] = (byte) random.nextInt(2);
        return HostTensor.ofPred(s, m);
    }

    private static short[] bf16(float[] v) {
        short[] h = new short[v.length];
        for (int i = 0; i < v.length; i++) h[i] = Float16.bf16FromFloat(v[i]);
        return h;
    }

    /** The most bodies any fused loop of {@code g} runs. */
    private static int mostStages(Graph g) {
        List<Node> live = g.liveNodes();
        FusionPlan plan = new FusionPlan(live, g.outputs(), live.get(live.size() - 1).id() + 1);
        int most = 0;
        for (Node n : live) {
            FusionPlan.Cluster c = plan.runsAt(n);
            if (c != null && !c.integer()) most = Math.max(most, new FusedLoop(c, FusedLoop.Code.GENERATED).generated().stages().size());
        }
        return most;
    }

    @Test
    void clustersTooLargeForOneBodyRunAsSeveralAndAgree() {
        Graph g = new Graph("long chain");
        Tensor x = new Tensor(g, g.parameter("x", TensorType.of(DType.F32, N))), y = new Tensor(g, g.parameter("y", TensorType.of(DType.F32, N)));
        Tensor r = x;
        for (int i = 0; i <= FusedCodegen.MAX_WEIGHT / 30; i++) r = r.mul(y).exp();
        g.setOutputs(List.of(r.value()));
        assertGenerated(g, true);
        assertTrue(mostStages(g) > 1, "more than one body");
        assertSameAsNodeByNode(g, List.of(firsts(), seconds()), "long chain");
    }

    /** bf16 values, booleans and outputs written early pass between bodies, and a reduction's root may come from any of them. */
    @Test
    void valuesPassBetweenBodiesUnchanged() {
        for (DType t : new DType[] {DType.F32, DType.BF16}) {
            for (boolean reduced : new boolean[] {false, true}) {
                Graph g = new Graph("stages");
                Shape s = Shape.of(3, N / 3);
                Tensor x = new Tensor(g, g.parameter("x", new TensorType(DType.F32, s))), y = new Tensor(g, g.parameter("y", new TensorType(DType.F32, s)));
                Tensor a = x.convert(t), b = y.convert(t);
                Tensor above = a.gt(b);
                Tensor r = above.where(a, b.neg());
                Tensor early = r.mul(b);
                for (int i = 0; i < 12; i++) r = r.mul(b).add(a).maximum(b.neg());
                Tensor last = r.lt(a).where(r.sub(early), early.exp());
                List<monetj.core.ir.Value> outs = new ArrayList<>(List.of(early.value(), above.value(), last.value()));
                if (reduced) outs.add(last.convert(DType.F32).reduce(Reduce.Kind.SUM, 1).value());
                g.setOutputs(outs);
                assertGenerated(g, true);
                assertTrue(mostStages(g) > 1, "more than one body in " + t);
                assertSameAsNodeByNode(g, List.of(firsts().reshape(s), seconds().reshape(s)), "stages in " + t + (reduced ? ", reduced" : ""));
            }
        }
    }

    @Test
    void clustersOfTheSameFormShareOneGeneratedClass() {
        Graph g = new Graph("two updates");
        List<Tensor> outs = new ArrayList<>();
        for (int n : new int[] {100, 4000}) {
            Tensor p = new Tensor(g, g.parameter("p" + n, TensorType.of(DType.F32, n))), d = new Tensor(g, g.parameter("d" + n, TensorType.of(DType.F32, n)));
            outs.add(p.sub(d.mul(0.01)));
        }
        g.setOutputs(outs.stream().map(Tensor::value).toList());
        List<Node> live = g.liveNodes();
        FusionPlan plan = new FusionPlan(live, g.outputs(), live.get(live.size() - 1).id() + 1);
        List<Object> bodies = new ArrayList<>();
        for (Tensor o : outs) bodies.add(new FusedLoop(plan.runsAt(o.value().node()), FusedLoop.Code.GENERATED).generated().stages().get(0).body());
        assertNotNull(bodies.get(0));
        assertSame(bodies.get(0), bodies.get(1));
    }

    @Test
    void loopsRunGeneratedCodeOnceTheJitHasCompiledItWithTheSameResults() throws InterruptedException {
        Graph g = new Graph("warm-up");
        Tensor x = new Tensor(g, g.parameter("x", TensorType.of(DType.F32, N))), y = new Tensor(g, g.parameter("y", TensorType.of(DType.F32, N)));
        Tensor r = x.mul(y).sub(y.abs().sqrt()).maximum(x.div(y)).add(2.5); // a form no other test uses: its body starts cold
        g.setOutputs(List.of(r.value()));
        List<HostTensor> args = List.of(firsts(), seconds());
        HostTensor plain = FusedLoopTest.nodeByNode(g, args).get(0);
        List<Node> live = g.liveNodes();
        FusionPlan plan = new FusionPlan(live, g.outputs(), live.get(live.size() - 1).id() + 1);
        FusedStages body = new FusedLoop(plan.runsAt(r.value().node()), FusedLoop.Code.GENERATED).generated();
        assertFalse(body.compiled(), "nothing ran it yet");
        JavaExecutor exec = new JavaExecutor(FusedLoop.Code.GENERATED_ONCE_COMPILED);
        long deadline = System.nanoTime() + 60_000_000_000L;
        boolean compiledSeen = false;
        for (int run = 0; !compiledSeen && System.nanoTime() < deadline; run++) {
            compiledSeen = body.compiled();
            assertTrue(FusedLoopTest.sameValues(plain, exec.run(g, args).get(0)), "run " + run + (compiledSeen ? ", generated" : ", interpreted"));
            if (run > 2) Thread.sleep(10);
        }
        assertTrue(compiledSeen, "the warm-up thread saw the body compiled within a minute");
    }
}
