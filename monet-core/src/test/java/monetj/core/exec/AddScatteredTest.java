package monetj.core.exec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Scatter;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

/** add(x, scatter(zeros, i, u)) run as add_scattered: its kernel against its reference, and the rewrite against the two ops. */
class AddScatteredTest {
    private final Random random = new Random(1119);
    private static final float[] EDGES = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, 1e-30f, -1f};

    /** One-hot gradient: one element of each [a, b] row, by batching dims (as the cross-entropy's). */
    private static final Scatter ONE_HOT = new Scatter(new int[0], new int[] {2}, new int[] {0, 1}, new int[] {0, 1}, new int[] {2}, 3, false, false);
    /** Embedding gradient: rows of a table, by a token id per position (duplicates accumulate). */
    private static final Scatter ROWS = new Scatter(new int[] {2}, new int[] {0}, new int[0], new int[0], new int[] {0}, 2, false, false);
    /** 2 x 2 windows at any start of a matrix: they overlap partly, which the kernel leaves to the reference. */
    private static final Scatter PATCHES = new Scatter(new int[] {1, 2}, new int[0], new int[0], new int[0], new int[] {0, 1}, 1, false, false);

    private record Case(Scatter scatter, HostTensor x, HostTensor indices, HostTensor updates) {
        List<HostTensor> inputs() { return List.of(x, indices, updates); }
    }

    private float value(boolean edges) {
        return edges && random.nextInt(3) == 0 ? EDGES[random.nextInt(EDGES.length)] : (float) random.nextGaussian();
    }

    private HostTensor f32(Shape s, boolean edges) {
        float[] v = new float[s.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = value(edges);
        return HostTensor.of(s, v);
    }

    /** Indices in [-1, bound]: the two ends fall outside and are skipped. */
    private HostTensor ids(Shape s, int bound) {
        int[] v = new int[s.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = random.nextInt(bound + 2) - 1;
        return HostTensor.of(s, v);
    }

    private Case oneHot(boolean edges) {
        int a = 1 + random.nextInt(5), b = 1 + random.nextInt(9), vocab = 1 + random.nextInt(40);
        return new Case(ONE_HOT, f32(Shape.of(a, b, vocab), edges), ids(Shape.of(a, b, 1), vocab - 1), f32(Shape.of(a, b, 1), edges));
    }

    private Case rows(boolean edges) {
        int vocab = 1 + random.nextInt(6), a = 1 + random.nextInt(4), b = 1 + random.nextInt(7), d = 1 + random.nextInt(20);
        return new Case(ROWS, f32(Shape.of(vocab, d), edges), ids(Shape.of(a, b), vocab - 1), f32(Shape.of(a, b, d), edges));
    }

    private Case patches(boolean edges) {
        int n = 1 + random.nextInt(8);
        return new Case(PATCHES, f32(Shape.of(5, 4), edges), ids(Shape.of(n, 2), 3), f32(Shape.of(n, 2, 2), edges));
    }

    private List<Case> cases() {
        List<Case> c = new ArrayList<>();
        for (int t = 0; t < 12; t++) {
            boolean edges = t % 2 == 0;
            c.add(oneHot(edges));
            c.add(rows(edges));
            c.add(patches(edges));
        }
        return c;
    }

    private static void assertBitwise(HostTensor want, HostTensor got, String what) {
        assertTrue(FusedLoopTest.sameValues(want, got), what + ": got " + got + ", want " + want);
    }

    @Test
    void kernelEqualsTheReferenceInPlaceOrOnACopy() {
        for (Case c : cases()) {
            for (boolean sumFirst : new boolean[] {false, true}) {
                AddScattered op = new AddScattered(c.scatter(), sumFirst);
                HostTensor want = op.evaluate(c.inputs()).get(0), before = c.x().copy();
                HostTensor copied = new AddScatteredKernel(op).run(c.inputs()).get(0);
                assertBitwise(want, copied, op + " on " + c.x().shape());
                assertTrue(before.contentEquals(c.x()), "x is not overwritable here and stays as it was");
                HostTensor x = c.x().copy();
                HostTensor inPlace = new AddScatteredKernel(op).run(List.of(x, c.indices(), c.updates()), new boolean[] {true, false, false}).get(0);
                assertBitwise(want, inPlace, op + " in place on " + c.x().shape());
                if (c.scatter() != PATCHES) assertSame(x, inPlace, "windows that coincide or are disjoint are added into x itself");
            }
        }
    }

    @Test
    void duplicateRowsAreSummedApartFirstAsTheScatterIntoZerosDoes() {
        float big = 1 << 24; // 2^24 + 1 + 1: 2^24 when added one at a time, 2^24 + 2 when the ones are summed first
        HostTensor x = HostTensor.of(Shape.of(2, 1), new float[] {big, -0f});
        HostTensor ids = HostTensor.of(Shape.of(1, 3), new int[] {0, 0, 5});
        HostTensor u = HostTensor.of(Shape.of(1, 3, 1), new float[] {1, 1, 7});
        HostTensor r = new AddScatteredKernel(new AddScattered(ROWS, false)).run(List.of(x, ids, u)).get(0);
        assertEquals(big + 2, r.floats()[0]);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(r.floats()[1]), "row 1 is reached by no window and keeps -0");
    }

    /** Every node by its op's reference evaluation: the oracle of the whole executor. */
    private static List<HostTensor> reference(Graph g, List<HostTensor> args) {
        List<Node> live = g.liveNodes();
        HostTensor[][] values = new HostTensor[live.get(live.size() - 1).id() + 1][];
        for (Node n : live) {
            List<HostTensor> in = new ArrayList<>();
            for (Value v : n.inputs()) in.add(values[v.node().id()][v.index()]);
            values[n.id()] = (n.op() instanceof monetj.core.ir.Parameter p ? List.of(args.get(p.index())) : n.op().evaluate(in)).toArray(new HostTensor[0]);
        }
        return g.outputs().stream().map(v -> values[v.node().id()][v.index()]).toList();
    }

    /** x * y + scatter(zeros, i, u), or the scatter first, or x itself (a parameter, never written over). */
    private static Graph gradientLike(Case c, int form) {
        Graph g = new Graph("gradient");
        Tensor x = new Tensor(g, g.parameter("x", c.x().type())), y = new Tensor(g, g.parameter("y", c.x().type()));
        Tensor i = new Tensor(g, g.parameter("i", c.indices().type())), u = new Tensor(g, g.parameter("u", c.updates().type()));
        Tensor product = form == 2 ? x : x.mul(y);
        Tensor scattered = Tensor.apply(c.scatter(), Tensor.full(g, DType.F32, c.x().shape(), 0.0), i, u);
        g.setOutputs(List.of((form == 1 ? scattered.add(product) : product.add(scattered)).value()));
        return g;
    }

    @Test
    void rewrittenProgramsEqualTheTwoOpsBitForBit() {
        JavaExecutor exec = new JavaExecutor();
        for (Case c : cases()) {
            for (int form = 0; form < 3; form++) {
                Graph g = gradientLike(c, form);
                HostTensor y = f32(c.x().shape(), true), xBefore = c.x().copy();
                List<HostTensor> args = List.of(c.x(), y, c.indices(), c.updates());
                assertBitwise(reference(g, args).get(0), exec.run(g, args).get(0), "form " + form + ", " + c.scatter() + " on " + c.x().shape());
                assertTrue(xBefore.contentEquals(c.x()), "the argument x is untouched");
            }
        }
    }

    @Test
    void theRewriteKeepsNodeIdsAndLeavesOtherScattersAlone() {
        Case c = oneHot(false);
        Graph g = gradientLike(c, 0);
        Graph r = ScatterAddRewrite.apply(g);
        Node add = g.outputs().get(0).node(), rewritten = r.outputs().get(0).node();
        assertEquals(add.id(), rewritten.id());
        assertInstanceOf(AddScattered.class, rewritten.op());
        assertEquals(TensorType.of(DType.F32, c.x().shape().dims()), rewritten.types().get(0));
        Graph read = new Graph("scatter read twice"); // the scatter is an output too: it must be materialised
        Tensor x = new Tensor(read, read.parameter("x", c.x().type()));
        Tensor i = new Tensor(read, read.parameter("i", c.indices().type())), u = new Tensor(read, read.parameter("u", c.updates().type()));
        Tensor scattered = Tensor.apply(ONE_HOT, Tensor.full(read, DType.F32, c.x().shape(), 0.0), i, u);
        read.setOutputs(List.of(x.add(scattered).value(), scattered.value()));
        assertSame(read, ScatterAddRewrite.apply(read));
    }
}
