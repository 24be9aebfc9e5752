package monetj.core.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import monetj.core.tensor.Shape;

/**
 * How a value is laid out over a device mesh: for each dimension, the mesh axes it is split over, major to minor
 * (empty: replicated along that dimension), as in a JAX {@code PartitionSpec}. Stored in the graph; monet-xla writes
 * it out for XLA's SPMD partitioner.
 */
public record Sharding(Mesh mesh, List<List<String>> dims) {
    /** A named device mesh, e.g. axes (data, fsdp) of sizes (4, 2); devices are numbered row-major over the axes. */
    public record Mesh(List<String> axisNames, int[] axisSizes) {
        public Mesh {
            if (axisNames.size() != axisSizes.length) throw new IllegalArgumentException("mesh has " + axisNames.size() + " names for " + axisSizes.length + " sizes");
            axisNames = List.copyOf(axisNames);
            axisSizes = axisSizes.clone();
        }

        public int size(String axis) {
            int i = axisNames.indexOf(axis);
            if (i < 0) throw new IllegalArgumentException("mesh " + axisNames + " has no axis '" + axis + "'");
            return axisSizes[i];
        }

        public int deviceCount() { return Arrays.stream(axisSizes).reduce(1, (a, b) -> a * b); }

        @Override public boolean equals(Object o) { return o instanceof Mesh m && axisNames.equals(m.axisNames) && Arrays.equals(axisSizes, m.axisSizes); }

        @Override public int hashCode() { return axisNames.hashCode() * 31 + Arrays.hashCode(axisSizes); }

        @Override public String toString() {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < axisSizes.length; i++) parts.add(axisNames.get(i) + "=" + axisSizes[i]);
            return "[" + String.join(", ", parts) + "]";
        }
    }

    public Sharding {
        List<List<String>> copy = new ArrayList<>();
        List<String> used = new ArrayList<>();
        for (List<String> axes : dims) {
            for (String a : axes) {
                mesh.size(a); // the axis exists
                if (used.contains(a)) throw new IllegalArgumentException("sharding " + dims + " splits two dimensions over mesh axis '" + a + "'");
                used.add(a);
            }
            copy.add(List.copyOf(axes));
        }
        dims = Collections.unmodifiableList(copy);
    }

    /** One mesh axis (or null: none) per dimension. */
    public static Sharding of(Mesh mesh, String... axisPerDim) {
        List<List<String>> dims = new ArrayList<>();
        for (String a : axisPerDim) dims.add(a == null ? List.of() : List.of(a));
        return new Sharding(mesh, dims);
    }

    /** Fully replicated over the mesh. */
    public static Sharding replicated(Mesh mesh, int rank) { return new Sharding(mesh, Collections.nCopies(rank, List.of())); }

    /** How many parts dimension {@code d} is split into: the product of its axes' sizes. */
    public int parts(int d) {
        int n = 1;
        for (String a : dims.get(d)) n *= mesh.size(a);
        return n;
    }

    /** The shape of one device's shard of a value of shape {@code global}. */
    public Shape shardShape(Shape global) {
        int[] s = new int[global.rank()];
        for (int d = 0; d < s.length; d++) s[d] = global.dim(d) / parts(d);
        return Shape.of(s);
    }

    /** Checks rank and that every split dimension divides evenly by its mesh axes. */
    public void check(Shape shape) {
        if (dims.size() != shape.rank()) throw new IllegalArgumentException("sharding " + dims + " has " + dims.size() + " entries for a value of shape " + shape);
        for (int d = 0; d < dims.size(); d++) {
            if (shape.dim(d) % parts(d) != 0) {
                throw new IllegalArgumentException("sharding " + dims + ": dimension " + d + " of shape " + shape + " does not divide by mesh axes " + dims.get(d) + " of size " + parts(d));
            }
        }
    }
}
