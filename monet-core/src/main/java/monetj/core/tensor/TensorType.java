package monetj.core.tensor;

/** The static type of a value: element type and shape. */
public record TensorType(DType dtype, Shape shape) {
    public static TensorType of(DType dtype, int... dims) { return new TensorType(dtype, Shape.of(dims)); }

    public int rank() { return shape.rank(); }

    @Override
    public String toString() { return dtype + shape.toString(); }
}
