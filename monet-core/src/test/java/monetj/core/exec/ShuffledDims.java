package monetj.core.exec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Operand shapes whose batch, contracting and free dimensions lie in a random order, for the dot_general tests. */
final class ShuffledDims {
    private ShuffledDims() {}

    /** A random permutation of [0, n). */
    static int[] order(int n, Random rnd) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(i);
        Collections.shuffle(l, rnd);
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The operand's shape: the g-th logical dimension (batch, then contracting, then free) at position order[g]. */
    static int[] place(int[] order, int[]... groups) {
        int[] shape = new int[order.length];
        int g = 0;
        for (int[] group : groups) for (int size : group) shape[order[g++]] = size;
        return shape;
    }
}
