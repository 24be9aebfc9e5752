package monetj.core.dsl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import monetj.core.ir.DotGeneral;
import monetj.core.tensor.DType;
import monetj.core.tensor.Shape;

/**
 * numpy-style {@code einsum} lowered to primitive ops. Each operand first loses its repeated indices (a
 * diagonal, taken with an iota mask) and the indices that no other operand and not the output use (a sum).
 * Operands are then contracted pairwise, greedily picking the pair with the smallest result, each pair with
 * a single dot_general whose batch and contracting dimensions are the shared indices. The last contraction is
 * oriented so that its result is already in output order where possible; otherwise one final transpose.
 * With a preferred element type (f32 for bf16 operands), every dot_general returns that type and sums run in
 * it; an operand meeting a result already in that type is converted to it.
 *
 * <p>Indices are internally numbered: a letter is its character code, and the k-th broadcast dimension of
 * {@code ...} (counted over the longest ellipsis, aligned to the right as numpy does) is {@code ELLIPSIS + k}.
 */
final class Einsum {
    private static final int ELLIPSIS = 1 << 16;

    /** A tensor together with the index of each of its dimensions. */
    private record Operand(Tensor tensor, int[] indices) {}

    /** One term of the spec: its letters and where "..." sits among them (-1 when absent). */
    private record Term(int[] letters, int ellipsisAt, String text) {}

    private final String spec;
    private final DType preferred; // result dtype of every dot_general, or null for the operands' own
    private final Map<Integer, Integer> sizes = new HashMap<>();
    private final Map<Integer, String> firstSeen = new HashMap<>();

    private Einsum(String spec, DType preferred) {
        this.spec = spec;
        this.preferred = preferred;
    }

    static Tensor evaluate(String spec, DType preferred, Tensor... operands) { return new Einsum(spec, preferred).lower(operands); }

    private Tensor lower(Tensor[] tensors) {
        if (tensors.length == 0) throw error("needs at least one operand");
        for (Tensor t : tensors) {
            if (t.graph() != tensors[0].graph()) throw error("operands come from different graphs");
            if (t.dtype() != tensors[0].dtype()) throw error("operands must share a dtype, got " + tensors[0].type() + " and " + t.type());
        }
        if (tensors[0].dtype() == DType.PRED) throw error("does not take boolean operands");
        if (preferred != null && preferred.isFloating() != tensors[0].dtype().isFloating()) {
            throw error("preferred element type " + preferred + " does not suit " + tensors[0].dtype() + " operands");
        }
        String s = spec.replaceAll("\\s", "");
        int arrow = s.indexOf("->");
        if (arrow >= 0 && s.indexOf("->", arrow + 1) >= 0) throw error("more than one '->'");
        String[] inputs = (arrow >= 0 ? s.substring(0, arrow) : s).split(",", -1);
        if (inputs.length != tensors.length) {
            throw error("the spec has subscripts for " + inputs.length + " operand(s) but " + tensors.length + " were given");
        }
        Term[] terms = new Term[inputs.length];
        for (int i = 0; i < inputs.length; i++) terms[i] = parse(inputs[i], "operand " + i);
        int ellipsisRank = 0;
        for (int i = 0; i < terms.length; i++) ellipsisRank = Math.max(ellipsisRank, ellipsisLength(terms[i], tensors[i], i));
        List<Operand> operands = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) operands.add(expand(terms[i], tensors[i], i, ellipsisRank));
        int[] output = arrow >= 0 ? explicitOutput(parse(s.substring(arrow + 2), "output"), operands, ellipsisRank) : implicitOutput(operands, ellipsisRank);

        operands.replaceAll(o -> takeDiagonals(dropBroadcastOnes(o)));
        // only now are the index sets final, so "used by no other operand" is decided on all of them
        for (int i = 0; i < operands.size(); i++) operands.set(i, sumOutUnshared(operands.get(i), operands, i, output));
        while (operands.size() > 1) contractCheapestPair(operands, output);
        Tensor result = toOutputOrder(operands.get(0), output);
        return preferred == null ? result : result.convert(preferred);
    }

    // ---- parsing ----------------------------------------------------------------------------------

    private Term parse(String text, String where) {
        List<Integer> letters = new ArrayList<>();
        int ellipsisAt = -1;
        for (int i = 0; i < text.length(); ) {
            char c = text.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
                letters.add((int) c);
                i++;
            } else if (c == '.') {
                if (!text.startsWith("...", i)) throw error(where + " '" + text + "': a '.' must be part of an ellipsis '...'");
                if (ellipsisAt >= 0) throw error(where + " '" + text + "' has more than one ellipsis");
                ellipsisAt = letters.size();
                i += 3;
            } else {
                throw error(where + " '" + text + "': invalid subscript '" + c + "' (subscripts are the letters a-z, A-Z and '...')");
            }
        }
        return new Term(letters.stream().mapToInt(Integer::intValue).toArray(), ellipsisAt, text);
    }

    private int ellipsisLength(Term term, Tensor t, int i) {
        int named = term.letters.length;
        if (term.ellipsisAt < 0 && t.rank() != named) {
            throw error("operand " + i + " '" + term.text + "' names " + named + " dimension(s) but the operand is " + t.type() + " (rank " + t.rank() + ")");
        }
        if (term.ellipsisAt >= 0 && t.rank() < named) {
            throw error("operand " + i + " '" + term.text + "' names " + named + " dimension(s) besides '...' but the operand is " + t.type() + " (rank " + t.rank() + ")");
        }
        return term.ellipsisAt < 0 ? 0 : t.rank() - named;
    }

    /** Numbers the operand's dimensions and records (and checks) the size of every index. */
    private Operand expand(Term term, Tensor t, int i, int ellipsisRank) {
        int[] idx = new int[t.rank()];
        int own = term.ellipsisAt < 0 ? 0 : t.rank() - term.letters.length;
        int before = term.ellipsisAt < 0 ? term.letters.length : term.ellipsisAt;
        for (int d = 0; d < idx.length; d++) {
            if (d < before) idx[d] = term.letters[d];
            else if (d < before + own) idx[d] = ELLIPSIS + ellipsisRank - own + (d - before);
            else idx[d] = term.letters[d - own];
            recordSize(idx[d], t.dim(d), "operand " + i + " (dimension " + d + ")");
        }
        return new Operand(t, idx);
    }

    private void recordSize(int index, int size, String where) {
        Integer known = sizes.get(index);
        if (known == null || known == size) {
            sizes.putIfAbsent(index, size);
            firstSeen.putIfAbsent(index, where);
            return;
        }
        if (index >= ELLIPSIS && (known == 1 || size == 1)) { // '...' dimensions broadcast as in numpy
            if (size > known) {
                sizes.put(index, size);
                firstSeen.put(index, where);
            }
            return;
        }
        throw error("index " + name(index) + " has size " + known + " in " + firstSeen.get(index) + " but size " + size + " in " + where);
    }

    private int[] explicitOutput(Term term, List<Operand> operands, int ellipsisRank) {
        Set<Integer> seen = new TreeSet<>();
        for (Operand o : operands) for (int x : o.indices) seen.add(x);
        List<Integer> out = new ArrayList<>();
        for (int k = 0; k <= term.letters.length; k++) {
            if (k == term.ellipsisAt) for (int e = 0; e < ellipsisRank; e++) out.add(ELLIPSIS + e);
            if (k == term.letters.length) break;
            int letter = term.letters[k];
            if (!seen.contains(letter)) throw error("output index " + name(letter) + " appears in no operand");
            if (out.contains(letter)) throw error("output index " + name(letter) + " appears more than once");
            out.add(letter);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** numpy's implicit output: the broadcast dimensions, then the letters used exactly once, alphabetically. */
    private static int[] implicitOutput(List<Operand> operands, int ellipsisRank) {
        Map<Integer, Integer> count = new HashMap<>();
        for (Operand o : operands) for (int x : o.indices) count.merge(x, 1, Integer::sum);
        List<Integer> out = new ArrayList<>();
        for (int e = 0; e < ellipsisRank; e++) out.add(ELLIPSIS + e);
        new TreeSet<>(count.keySet()).forEach(x -> { if (x < ELLIPSIS && count.get(x) == 1) out.add(x); });
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    // ---- per-operand simplification -----------------------------------------------------------------

    /** A size-1 '...' dimension broadcast against a larger one: the operand simply does not vary along it. */
    private Operand dropBroadcastOnes(Operand o) {
        List<Integer> keep = new ArrayList<>();
        for (int d = 0; d < o.indices.length; d++) {
            int x = o.indices[d];
            if (!(x >= ELLIPSIS && o.tensor.dim(d) == 1 && sizes.get(x) > 1)) keep.add(d);
        }
        if (keep.size() == o.indices.length) return o;
        int[] dims = keep.stream().mapToInt(d -> o.tensor.dim(d)).toArray();
        return new Operand(o.tensor.reshape(Shape.of(dims)), keep.stream().mapToInt(d -> o.indices[d]).toArray());
    }

    /** Repeated indices within one operand select its diagonal: mask with iota equality, then sum one copy away. */
    private static Operand takeDiagonals(Operand o) {
        Tensor t = o.tensor;
        int[] idx = o.indices;
        for (int p = 0; p < idx.length; p++) {
            for (int q = p + 1; q < idx.length; q++) {
                if (idx[p] != idx[q]) continue;
                Shape square = Shape.of(t.dim(p), t.dim(q));
                Tensor mask = Tensor.iota(t.graph(), DType.S32, square, 0).eq(Tensor.iota(t.graph(), DType.S32, square, 1));
                t = t.mul(mask.convert(t.dtype()).broadcastInDim(t.shape(), p, q)).sum(q);
                idx = remove(idx, q);
                q--;
            }
        }
        return new Operand(t, idx);
    }

    /** Sums the indices that only this operand has and the output does not keep (in the preferred type, if any). */
    private Operand sumOutUnshared(Operand o, List<Operand> all, int self, int[] output) {
        List<Integer> axes = new ArrayList<>();
        for (int d = 0; d < o.indices.length; d++) {
            if (!contains(output, o.indices[d]) && !usedElsewhere(o.indices[d], all, self, self)) axes.add(d);
        }
        if (axes.isEmpty()) return o;
        int[] a = axes.stream().mapToInt(Integer::intValue).toArray();
        int[] rest = o.indices.clone();
        for (int k = a.length - 1; k >= 0; k--) rest = remove(rest, a[k]);
        Tensor t = preferred == null ? o.tensor : o.tensor.convert(preferred);
        return new Operand(t.sum(a), rest);
    }

    // ---- contraction --------------------------------------------------------------------------------

    private void contractCheapestPair(List<Operand> ops, int[] output) {
        int bi = -1, bj = -1;
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < ops.size(); i++) {
            for (int j = i + 1; j < ops.size(); j++) {
                double size = 1;
                for (int x : kept(ops, i, j, output)) size *= sizes.get(x);
                if (size < best) {
                    best = size;
                    bi = i;
                    bj = j;
                }
            }
        }
        Operand c = contract(ops.get(bi), ops.get(bj), kept(ops, bi, bj, output), ops.size() == 2 ? output : null);
        ops.remove(bj);
        ops.set(bi, c);
    }

    /** Indices of operands i and j that the output or a third operand still needs. */
    private static Set<Integer> kept(List<Operand> ops, int i, int j, int[] output) {
        Set<Integer> keep = new LinkedHashSet<>();
        for (Operand o : List.of(ops.get(i), ops.get(j))) {
            for (int x : o.indices) if (contains(output, x) || usedElsewhere(x, ops, i, j)) keep.add(x);
        }
        return keep;
    }

    /**
     * One dot_general: shared kept indices are batch dimensions, shared dropped ones are contracted. With
     * {@code output} given (the last contraction), the operands are ordered and the batch dimensions listed so
     * the result needs no transpose when that is possible.
     */
    private Operand contract(Operand a, Operand b, Set<Integer> keep, int[] output) {
        boolean direct = output != null && fitsOutput(a, b, keep, output);
        if (output != null && !direct && fitsOutput(b, a, keep, output)) {
            Operand t = a;
            a = b;
            b = t;
            direct = true;
        }
        List<Integer> batch = new ArrayList<>(), contracting = new ArrayList<>();
        for (int x : a.indices) {
            if (contains(b.indices, x)) (keep.contains(x) ? batch : contracting).add(x);
        }
        if (direct) for (int k = 0; k < batch.size(); k++) batch.set(k, output[k]);
        List<Integer> result = new ArrayList<>(batch);
        for (int x : a.indices) if (!contains(b.indices, x)) result.add(x);
        for (int x : b.indices) if (!contains(a.indices, x)) result.add(x);
        DotGeneral dot = new DotGeneral(positions(a, batch), positions(b, batch), positions(a, contracting), positions(b, contracting),
                DotGeneral.Precision.DEFAULT, preferred);
        // a result already in the preferred type meets an original operand: promote the operand, as numpy would
        Tensor lhs = a.tensor.dtype() == b.tensor.dtype() ? a.tensor : a.tensor.convert(preferred);
        Tensor rhs = a.tensor.dtype() == b.tensor.dtype() ? b.tensor : b.tensor.convert(preferred);
        return new Operand(Tensor.apply(dot, lhs, rhs), result.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Whether dot_general(a, b) can produce {@code output} directly: batch indices (any order), then a's free, then b's free. */
    private static boolean fitsOutput(Operand a, Operand b, Set<Integer> keep, int[] output) {
        int shared = 0;
        for (int x : a.indices) if (contains(b.indices, x) && keep.contains(x)) shared++;
        List<Integer> expected = new ArrayList<>();
        for (int x : a.indices) if (!contains(b.indices, x)) expected.add(x);
        for (int x : b.indices) if (!contains(a.indices, x)) expected.add(x);
        if (output.length != shared + expected.size()) return false;
        for (int k = 0; k < shared; k++) if (!contains(a.indices, output[k]) || !contains(b.indices, output[k])) return false;
        for (int k = 0; k < expected.size(); k++) if (output[shared + k] != expected.get(k)) return false;
        return true;
    }

    private static Tensor toOutputOrder(Operand o, int[] output) {
        int[] perm = new int[output.length];
        for (int d = 0; d < output.length; d++) perm[d] = indexOf(o.indices, output[d]);
        return o.tensor.transpose(perm);
    }

    // ---- small helpers ------------------------------------------------------------------------------

    private static boolean usedElsewhere(int x, List<Operand> ops, int skipA, int skipB) {
        for (int k = 0; k < ops.size(); k++) if (k != skipA && k != skipB && contains(ops.get(k).indices, x)) return true;
        return false;
    }

    private static int[] positions(Operand o, List<Integer> indices) { return indices.stream().mapToInt(x -> indexOf(o.indices, x)).toArray(); }

    private static boolean contains(int[] a, int x) { return indexOf(a, x) >= 0; }

    private static int indexOf(int[] a, int x) {
        for (int i = 0; i < a.length; i++) if (a[i] == x) return i;
        return -1;
    }

    private static int[] remove(int[] a, int at) {
        int[] r = new int[a.length - 1];
        System.arraycopy(a, 0, r, 0, at);
        System.arraycopy(a, at + 1, r, at, r.length - at);
        return r;
    }

    private static String name(int index) { return index >= ELLIPSIS ? "'...' dimension " + (index - ELLIPSIS) : "'" + (char) index + "'"; }

    private IllegalArgumentException error(String problem) { return new IllegalArgumentException("einsum '" + spec + "': " + problem); }
}
