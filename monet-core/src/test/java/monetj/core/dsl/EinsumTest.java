package monetj.core.dsl;

import static monetj.core.testing.GraphTesting.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

class EinsumTest {
    private final Random rnd = new Random(11);

    /** The definition: sum over every assignment of the indices of the product of the operands' elements. */
    private static HostTensor byLoops(String spec, HostTensor... operands) {
        String[] io = spec.split("->", -1);
        String[] in = io[0].split(",", -1);
        String out = io[1];
        Map<Character, Integer> size = new HashMap<>();
        for (int i = 0; i < in.length; i++) for (int d = 0; d < in[i].length(); d++) size.merge(in[i].charAt(d), operands[i].shape().dim(d), Math::max);
        List<Character> letters = new ArrayList<>(size.keySet());
        int[] outDims = new int[out.length()];
        for (int d = 0; d < outDims.length; d++) outDims[d] = size.get(out.charAt(d));
        Shape outShape = Shape.of(outDims);
        double[] result = new double[outShape.intSize()];
        double[][] data = new double[operands.length][];
        for (int i = 0; i < operands.length; i++) data[i] = operands[i].doubles();
        int[] value = new int[letters.size()];
        while (true) {
            Map<Character, Integer> at = new HashMap<>();
            for (int k = 0; k < value.length; k++) at.put(letters.get(k), value[k]);
            double p = 1;
            for (int i = 0; i < operands.length; i++) p *= data[i][flat(operands[i].shape(), in[i], at)];
            result[flat(outShape, out, at)] += p;
            int k = 0;
            while (k < value.length && ++value[k] == size.get(letters.get(k))) value[k++] = 0;
            if (k == value.length) break;
        }
        return HostTensor.of(outShape, result);
    }

    private static int flat(Shape s, String subscripts, Map<Character, Integer> at) {
        long[] strides = s.strides();
        int f = 0;
        for (int d = 0; d < subscripts.length(); d++) f += (int) ((s.dim(d) == 1 ? 0 : at.get(subscripts.charAt(d))) * strides[d]); // size 1 broadcasts
        return f;
    }

    private HostTensor random(Shape s) { return randomF64(rnd, s); }

    private HostTensor[] randomOperands(String spec, Map<Character, Integer> size) {
        String[] in = spec.split("->", -1)[0].split(",", -1);
        HostTensor[] ops = new HostTensor[in.length];
        for (int i = 0; i < in.length; i++) ops[i] = random(Shape.of(in[i].chars().map(c -> size.get((char) c)).toArray()));
        return ops;
    }

    private static Map<Character, Integer> sizes(String letters, int... s) {
        Map<Character, Integer> m = new HashMap<>();
        for (int i = 0; i < s.length; i++) m.put(letters.charAt(i), s[i]);
        return m;
    }

    private static HostTensor einsum(String spec, HostTensor... ops) {
        return run1(p -> Tensor.einsum(spec, p.toArray(new Tensor[0])), ops);
    }

    @Test
    void monetEinsumsMatchLoops() {
        Map<Character, Integer> size = sizes("bthijmd", 2, 3, 2, 4, 3, 5, 6);
        for (String spec : List.of("btim,bthi,bthj->btjm", "bthi,id->btd", "btjm,bthj->btjm")) {
            HostTensor[] ops = randomOperands(spec, size);
            assertClose(byLoops(spec, ops), einsum(spec, ops), 1e-12);
        }
    }

    @Test
    void randomSpecsMatchLoops() {
        String pool = "abcdef";
        for (int trial = 0; trial < 60; trial++) {
            int[] s = rnd.ints(pool.length(), 1, 4).toArray();
            Map<Character, Integer> size = sizes(pool, s);
            int n = 1 + rnd.nextInt(3);
            StringBuilder spec = new StringBuilder();
            StringBuilder used = new StringBuilder();
            for (int i = 0; i < n; i++) {
                if (i > 0) spec.append(',');
                int rank = rnd.nextInt(4);
                for (int d = 0; d < rank; d++) {
                    char c = pool.charAt(rnd.nextInt(pool.length()));
                    spec.append(c);
                    if (used.indexOf("" + c) < 0) used.append(c);
                }
            }
            StringBuilder out = new StringBuilder();
            for (char c : used.toString().toCharArray()) if (rnd.nextBoolean()) out.insert(rnd.nextInt(out.length() + 1), c);
            String full = spec + "->" + out;
            HostTensor[] ops = randomOperands(full, size);
            HostTensor expected = byLoops(full, ops);
            HostTensor got = einsum(full, ops);
            assertEquals(expected.shape(), got.shape(), full);
            assertClose(expected.doubles(), got.doubles(), 1e-12);
        }
    }

    @Test
    void randomEllipsisSpecsMatchLoops() {
        // '...' stands for up to two broadcast dimensions X, Y; the reference spells them out as letters
        for (int trial = 0; trial < 40; trial++) {
            int ellipsis = rnd.nextInt(3);
            int[] ellipsisSize = rnd.ints(2, 2, 4).toArray();
            Map<Character, Integer> size = sizes("abc", rnd.ints(3, 1, 4).toArray());
            int n = 1 + rnd.nextInt(3);
            StringBuilder spec = new StringBuilder(), reference = new StringBuilder();
            List<Shape> shapes = new ArrayList<>();
            int longest = 0;
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    spec.append(',');
                    reference.append(',');
                }
                List<Integer> dims = new ArrayList<>();
                String letters = "abc".substring(0, 1 + rnd.nextInt(3));
                int own = rnd.nextInt(ellipsis + 1);
                longest = Math.max(longest, own);
                spec.append("...").append(letters);
                for (int k = ellipsis - own; k < ellipsis; k++) {
                    reference.append("XY".charAt(k));
                    dims.add(rnd.nextInt(3) == 0 ? 1 : ellipsisSize[k]);
                }
                reference.append(letters);
                for (char c : letters.toCharArray()) dims.add(size.get(c));
                shapes.add(Shape.of(dims.stream().mapToInt(Integer::intValue).toArray()));
            }
            boolean keepEllipsis = rnd.nextBoolean();
            spec.append(keepEllipsis ? "->...a" : "->a");
            reference.append("->").append(keepEllipsis ? "XY".substring(ellipsis - longest, ellipsis) : "").append('a');
            HostTensor[] ops = shapes.stream().map(this::random).toArray(HostTensor[]::new);
            HostTensor expected = byLoops(reference.toString(), ops);
            HostTensor got = einsum(spec.toString(), ops);
            assertEquals(expected.shape(), got.shape(), spec + " vs " + reference);
            assertClose(expected.doubles(), got.doubles(), 1e-12);
        }
    }

    @Test
    void implicitOutputKeepsSingleIndicesAlphabetically() {
        HostTensor a = random(Shape.of(2, 3)), b = random(Shape.of(3, 4)), sq = random(Shape.of(3, 3));
        assertClose(byLoops("ij,jk->ik", a, b), einsum("ij,jk", a, b), 1e-12);
        assertClose(byLoops("ba->ab", a), einsum("ba", a), 1e-12);
        HostTensor trace = einsum("ii", sq);
        assertEquals(Shape.SCALAR, trace.shape());
        double[] m = sq.doubles();
        assertEquals(m[0] + m[4] + m[8], trace.getDouble(0), 1e-12);
        assertClose(byLoops("ii->i", sq), einsum("ii->i", sq), 1e-12);
    }

    @Test
    void handCheckedCases() {
        HostTensor u = f64(Shape.of(2), 1, 2), v = f64(Shape.of(3), 10, 20, 30);
        assertArrayEquals(new double[] {10, 20, 30, 20, 40, 60}, einsum("i,j->ij", u, v).doubles());
        HostTensor m = f64(Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
        assertArrayEquals(new double[] {6, 15}, einsum("ij->i", m).doubles());
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, einsum("ij->ji", m).doubles());
        assertArrayEquals(new double[] {21}, einsum("ij->", m).doubles());
        assertArrayEquals(new double[] {140, 320}, einsum("ij,j->i", m, v).doubles());
        HostTensor s = f64(Shape.SCALAR, 3);
        assertArrayEquals(new double[] {3, 6}, einsum(",i->i", s, u).doubles());
    }

    @Test
    void ellipsisBroadcastsLeadingDimensions() {
        HostTensor a = random(Shape.of(2, 1, 3, 4)), b = random(Shape.of(5, 4, 2));
        HostTensor got = einsum("...ij,...jk->...ik", a, b);
        assertEquals(Shape.of(2, 5, 3, 2), got.shape());
        double[] x = a.doubles(), y = b.doubles(), r = got.doubles();
        for (int p = 0; p < 2; p++) for (int q = 0; q < 5; q++) for (int i = 0; i < 3; i++) for (int k = 0; k < 2; k++) {
            double e = 0;
            for (int j = 0; j < 4; j++) e += x[(p * 3 + i) * 4 + j] * y[(q * 4 + j) * 2 + k];
            assertEquals(e, r[((p * 5 + q) * 3 + i) * 2 + k], 1e-12);
        }
        // implicit output puts the '...' dimensions first; an explicit output without '...' sums them
        assertEquals(Shape.of(2, 5, 3, 2), einsum("...ij,...jk", a, b).shape());
        HostTensor summed = einsum("...ij,...jk->ik", a, b);
        assertClose(run1(p -> Tensor.einsum("...ij,...jk->...ik", p.get(0), p.get(1)).sum(0, 1), a, b), summed, 1e-12);
        HostTensor t = random(Shape.of(2, 3));
        assertClose(t, einsum("...->...", t), 0);
        // a size-1 '...' dimension of the second operand broadcasts, and the first's is summed away
        HostTensor wide = random(Shape.of(2, 3)), narrow = random(Shape.of(1, 3));
        HostTensor expected = byLoops("ai,i->i", wide, narrow.reshape(Shape.of(3)));
        assertClose(expected, einsum("...i,...i->i", wide, narrow), 1e-12);
        assertClose(expected, einsum("...i,...i->i", narrow, wide), 1e-12);
    }

    @Test
    void preferredElementTypeGivesF32ResultsForBf16Operands() {
        Map<Character, Integer> size = sizes("bthijmd", 2, 3, 2, 4, 3, 5, 6);
        for (String spec : List.of("btim,bthi,bthj->btjm", "bthi,id->btd", "bthi->bti")) {
            HostTensor[] exact = randomOperands(spec, size);
            HostTensor[] bf16 = java.util.Arrays.stream(exact).map(t -> t.to(DType.BF16)).toArray(HostTensor[]::new);
            HostTensor got = run1(p -> Tensor.einsum(spec, DType.F32, p.toArray(new Tensor[0])), bf16);
            assertEquals(DType.F32, got.dtype(), spec);
            HostTensor[] rounded = java.util.Arrays.stream(bf16).map(t -> t.to(DType.F64)).toArray(HostTensor[]::new);
            assertClose(byLoops(spec, rounded).doubles(), got.doubles(), 1e-5); // only the f32 accumulation differs
        }
        HostTensor w = randomF64(rnd, Shape.of(3, 2)).to(DType.BF16), x = randomF64(rnd, Shape.of(4, 3)).to(DType.BF16);
        List<HostTensor> g = run(p -> autodiffGrads(Tensor.einsum("ni,io->no", DType.F32, p.get(0), p.get(1)).sum(), p.get(0), p.get(1)), x, w);
        assertEquals(DType.BF16, g.get(0).dtype());
        assertEquals(Shape.of(3, 2), g.get(1).shape());
        var e = assertThrows(IllegalArgumentException.class, () -> run1(p -> Tensor.einsum("i,i->", DType.S32, p.get(0), p.get(0)), w.reshape(Shape.of(6))));
        assertTrue(e.getMessage().contains("preferred element type s32"), e.getMessage());
    }

    private static List<Tensor> autodiffGrads(Tensor loss, Tensor... wrt) { return monetj.core.autodiff.Autodiff.grad(loss, List.of(wrt)); }

    /** The ops einsum appended, by name, in order. */
    private static List<String> lowered(String spec, Shape... shapes) {
        Graph g = new Graph("einsum");
        Tensor[] ops = new Tensor[shapes.length];
        for (int i = 0; i < shapes.length; i++) ops[i] = new Tensor(g, g.parameter("x" + i, new TensorType(DType.F32, shapes[i])));
        int before = g.nodes().size();
        Tensor.einsum(spec, ops);
        return g.nodes().subList(before, g.nodes().size()).stream().map(Node::op).map(o -> o.name()).toList();
    }

    @Test
    void lowersToFewestOps() {
        assertEquals(List.of("dot_general"), lowered("ij,jk->ik", Shape.of(2, 3), Shape.of(3, 4)));
        assertEquals(List.of("dot_general"), lowered("ij,jk->ki", Shape.of(2, 3), Shape.of(3, 4)), "operands swapped instead of a transpose");
        assertEquals(List.of("dot_general"), lowered("bij,bjk->bik", Shape.of(5, 2, 3), Shape.of(5, 3, 4)));
        assertEquals(List.of("dot_general"), lowered("...i,oi->...o", Shape.of(2, 7, 3), Shape.of(4, 3)));
        // h is summed out of x alone (reduce takes an init constant), then one dot_general
        assertEquals(List.of("constant", "reduce", "dot_general"), lowered("bthi,id->btd", Shape.of(2, 3, 4, 5), Shape.of(5, 6)));
        assertEquals(List.of("constant", "reduce", "dot_general"), lowered("btjm,bthj->btjm", Shape.of(2, 3, 4, 5), Shape.of(2, 3, 6, 4)));
        assertEquals(List.of("dot_general", "dot_general"), lowered("btim,bthi,bthj->btjm", Shape.of(2, 3, 4, 5), Shape.of(2, 3, 6, 4), Shape.of(2, 3, 6, 7)));
        assertEquals(List.of("dot_general", "transpose"), lowered("bij,bjk->ikb", Shape.of(5, 2, 3), Shape.of(5, 3, 4)));
    }

    @Test
    void greedyOrderContractsTheSmallPairFirst() {
        // (x . y) is [2, 2]; contracting y with z first would make a [100, 100] intermediate
        Graph g = new Graph("order");
        Tensor x = new Tensor(g, g.parameter("x", TensorType.of(DType.F32, 2, 100)));
        Tensor y = new Tensor(g, g.parameter("y", TensorType.of(DType.F32, 100, 2)));
        Tensor z = new Tensor(g, g.parameter("z", TensorType.of(DType.F32, 2, 100)));
        Tensor.einsum("ab,bc,cd->ad", x, y, z);
        Node first = g.nodes().stream().filter(n -> n.op().name().equals("dot_general")).findFirst().orElseThrow();
        assertEquals(Shape.of(2, 2), first.types().get(0).shape());
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Map<Character, Integer> size = sizes("bthijmd", 2, 2, 2, 3, 2, 3, 2);
        for (String spec : List.of("btim,bthi,bthj->btjm", "bthi,id->btd", "btjm,bthj->btjm", "iij,jd->di", "ij,ij->", "i,j->ji")) {
            HostTensor[] ops = randomOperands(spec, size);
            checkGradient(p -> Tensor.einsum(spec, p.toArray(new Tensor[0])), ops);
        }
        checkGradient(p -> Tensor.einsum("...ij,...jk->...ik", p.get(0), p.get(1)), random(Shape.of(2, 1, 2, 3)), random(Shape.of(3, 3, 2)));
    }

    private static void assertRefused(String spec, String fragment, Shape... shapes) {
        Graph g = new Graph("bad");
        Tensor[] ops = new Tensor[shapes.length];
        for (int i = 0; i < shapes.length; i++) ops[i] = new Tensor(g, g.parameter("x" + i, new TensorType(DType.F32, shapes[i])));
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.einsum(spec, ops));
        assertTrue(e.getMessage().startsWith("einsum '" + spec + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void badSpecsAreRefusedPrecisely() {
        assertRefused("ij,j1->i", "invalid subscript '1'", Shape.of(2, 3), Shape.of(3, 1));
        assertRefused("i.j->i", "'.' must be part of an ellipsis", Shape.of(2, 3));
        assertRefused("...i...->i", "more than one ellipsis", Shape.of(2, 3));
        assertRefused("ij,jk->ik", "subscripts for 2 operand(s) but 1 were given", Shape.of(2, 3));
        assertRefused("ij->i", "names 2 dimension(s) but the operand is f32[2, 3, 4] (rank 3)", Shape.of(2, 3, 4));
        assertRefused("ijk...->i", "besides '...'", Shape.of(2, 3));
        assertRefused("ij,jk->ik", "index 'j' has size 3 in operand 0 (dimension 1) but size 4 in operand 1 (dimension 0)", Shape.of(2, 3), Shape.of(4, 5));
        assertRefused("ii->i", "index 'i' has size 2 in operand 0 (dimension 0) but size 3 in operand 0 (dimension 1)", Shape.of(2, 3));
        assertRefused("...i,...i->...", "'...' dimension 0 has size 2", Shape.of(2, 4), Shape.of(3, 4));
        assertRefused("ij->k", "output index 'k' appears in no operand", Shape.of(2, 3));
        assertRefused("ij->ii", "output index 'i' appears more than once", Shape.of(2, 3));
        assertRefused("ij->i->j", "more than one '->'", Shape.of(2, 3));
        Graph g = new Graph("dtypes");
        Tensor a = new Tensor(g, g.parameter("a", TensorType.of(DType.F32, 2))), b = new Tensor(g, g.parameter("b", TensorType.of(DType.BF16, 2)));
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.einsum("i,i->", a, b));
        assertTrue(e.getMessage().contains("share a dtype") && e.getMessage().contains("f32[2]") && e.getMessage().contains("bf16[2]"), e.getMessage());
    }
}
