package monetj.core.ir;

import java.util.Arrays;
import java.util.List;
import monetj.core.tensor.Shape;

/**
 * How a value is laid out over a device mesh: for each dimension, the mesh axis it is split over (or null for
 * replicated along that dimension). Stored in the graph; monet-xla writes it out for XLA's SPMD partitioner.
 */
public record Sharding(Mesh mesh, List<String> spec) {
    /** A named device mesh, e.g. axes (data, model) of sizes (4, 2). */
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
    }

    public Sharding {
        spec = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(spec)); // allows null entries
    }

    /** Fully replicated over the mesh. */
    public static Sharding replicated(Mesh mesh, int rank) { return new Sharding(mesh, Arrays.asList(new String[rank])); }

    /** Checks rank and that every split dimension divides evenly by its mesh axis. */
    void check(Shape shape) {
        if (spec.size() != shape.rank()) throw new IllegalArgumentException("sharding " + spec + " has " + spec.size() + " entries for a value of shape " + shape);
        for (int d = 0; d < spec.size(); d++) {
            String axis = spec.get(d);
            if (axis == null) continue;
            int parts = mesh.size(axis);
            if (shape.dim(d) % parts != 0) {
                throw new IllegalArgumentException("sharding " + spec + ": dimension " + d + " of shape " + shape + " does not divide by mesh axis '" + axis + "' of size " + parts);
            }
        }
    }
}
