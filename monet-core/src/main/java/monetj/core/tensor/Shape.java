package monetj.core.tensor;

import java.util.Arrays;

/** An immutable list of dimension sizes, row-major. The empty shape is a scalar. */
public final class Shape {
    public static final Shape SCALAR = new Shape(new int[0]);

    private final int[] dims;

    private Shape(int[] dims) { this.dims = dims; }

    public static Shape of(int... dims) {
        for (int d : dims) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
        }
        return dims.length == 0 ? SCALAR : new Shape(dims.clone());
    }

    public int rank() { return dims.length; }

    /** Size of dimension {@code axis}; negative axes count from the end. */
    public int dim(int axis) { return dims[axis(axis)]; }

    public int[] dims() { return dims.clone(); }

    /** Normalises a possibly negative axis and checks it is in range. */
    public int axis(int axis) {
        int a = axis < 0 ? axis + dims.length : axis;
        if (a < 0 || a >= dims.length) {
            throw new IllegalArgumentException("axis " + axis + " out of range for shape " + this);
        }
        return a;
    }

    public long size() {
        long n = 1;
        for (int d : dims) n *= d;
        return n;
    }

    /** Element count as an int, for host arrays; fails clearly when a tensor is too large for one. */
    public int intSize() {
        long n = size();
        if (n > Integer.MAX_VALUE - 8) throw new IllegalStateException("tensor of shape " + this + " is too large for a host array");
        return (int) n;
    }

    /** Row-major strides in elements. */
    public long[] strides() {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    public Shape with(int axis, int size) {
        int[] d = dims.clone();
        d[axis(axis)] = size;
        return new Shape(d);
    }

    @Override
    public boolean equals(Object o) { return o instanceof Shape s && Arrays.equals(dims, s.dims); }

    @Override
    public int hashCode() { return Arrays.hashCode(dims); }

    @Override
    public String toString() { return Arrays.toString(dims); }
}
