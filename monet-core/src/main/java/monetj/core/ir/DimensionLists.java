package monetj.core.ir;

import java.util.Arrays;
import java.util.List;
import monetj.core.tensor.TensorType;

/** Checks and set arithmetic for the dimension lists that gather, scatter and friends carry. */
final class DimensionLists {
    private DimensionLists() {}

    /** Throws unless every entry of {@code dims} is in [0, rank) and distinct, and (when asked) ascending. */
    static void check(String op, List<TensorType> in, String what, int[] dims, int rank, boolean sorted) {
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < dims.length; i++) {
            int d = dims[i];
            ShapeException.check(d >= 0 && d < rank, op, in, what + " " + Arrays.toString(dims) + ": " + d + " is out of range [0, " + rank + ")");
            ShapeException.check(!seen[d], op, in, what + " " + Arrays.toString(dims) + ": " + d + " appears twice");
            ShapeException.check(!sorted || i == 0 || d > dims[i - 1], op, in, what + " " + Arrays.toString(dims) + " must be sorted");
            seen[d] = true;
        }
    }

    /** Throws if a dimension appears in both lists. */
    static void checkDisjoint(String op, List<TensorType> in, String whatA, int[] a, String whatB, int[] b) {
        for (int x : a) {
            for (int y : b) ShapeException.check(x != y, op, in, "dimension " + x + " is in both " + whatA + " and " + whatB);
        }
    }

    /** The dimensions in [0, rank) that are in none of the given lists, ascending. */
    static int[] complement(int rank, int[]... excluded) {
        boolean[] out = new boolean[rank];
        for (int[] list : excluded) for (int d : list) out[d] = true;
        int n = 0;
        for (boolean b : out) if (!b) n++;
        int[] rest = new int[n];
        for (int d = 0, k = 0; d < rank; d++) if (!out[d]) rest[k++] = d;
        return rest;
    }

    static boolean contains(int[] dims, int d) {
        for (int x : dims) if (x == d) return true;
        return false;
    }

    /** The entries of {@code strides} at the given positions. */
    static long[] pick(long[] strides, int[] positions) {
        long[] out = new long[positions.length];
        for (int i = 0; i < out.length; i++) out[i] = strides[positions[i]];
        return out;
    }
}
