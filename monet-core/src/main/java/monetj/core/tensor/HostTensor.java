package monetj.core.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A dense row-major tensor in host memory. The bytes live in a {@link MemorySegment}: a Java array for
 * tensors computed here, or a slice of a memory-mapped safetensors file, read without copying.
 * Element bytes are little-endian, as in safetensors.
 */
public final class HostTensor {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final TensorType type;
    private final MemorySegment data;

    public HostTensor(TensorType type, MemorySegment data) {
        long expected = type.shape().size() * type.dtype().byteSize();
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + type + " needs " + expected + " bytes, got " + data.byteSize());
        }
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("Monet-J host tensors need a little-endian machine");
        }
        this.type = type;
        this.data = data;
    }

    public HostTensor(DType dtype, Shape shape, MemorySegment data) { this(new TensorType(dtype, shape), data); }

    // ---- construction -------------------------------------------------------------------------

    /** Zeros (in an array of the executing program's pool, cleared, when one serves this thread: see {@link ArrayPool}). */
    public static HostTensor zeros(DType dtype, Shape shape) { return ofArray(dtype, shape, ArrayPool.zeroed(dtype, shape.intSize())); }

    /** A tensor whose contents are unspecified (possibly a dead array's): for a caller that writes every element. */
    public static HostTensor forOverwrite(DType dtype, Shape shape) { return ofArray(dtype, shape, ArrayPool.forOverwrite(dtype, shape.intSize())); }

    private static HostTensor ofArray(DType dtype, Shape shape, Object array) {
        return switch (dtype) {
            case F64 -> of(shape, (double[]) array);
            case F32 -> of(shape, (float[]) array);
            case BF16, F16 -> ofShorts(dtype, shape, (short[]) array);
            case S64 -> of(shape, (long[]) array);
            case S32 -> of(shape, (int[]) array);
            case PRED -> ofPred(shape, (byte[]) array);
        };
    }

    public static HostTensor of(Shape shape, float[] values) { return new HostTensor(DType.F32, shape, MemorySegment.ofArray(values)); }

    public static HostTensor of(Shape shape, double[] values) { return new HostTensor(DType.F64, shape, MemorySegment.ofArray(values)); }

    public static HostTensor of(Shape shape, int[] values) { return new HostTensor(DType.S32, shape, MemorySegment.ofArray(values)); }

    public static HostTensor of(Shape shape, long[] values) { return new HostTensor(DType.S64, shape, MemorySegment.ofArray(values)); }

    /** bf16 or f16 bit patterns. */
    public static HostTensor ofShorts(DType dtype, Shape shape, short[] bits) {
        if (dtype != DType.BF16 && dtype != DType.F16) throw new IllegalArgumentException("ofShorts takes bf16 or f16, not " + dtype);
        return new HostTensor(dtype, shape, MemorySegment.ofArray(bits));
    }

    /** Booleans as bytes 0/1. */
    public static HostTensor ofPred(Shape shape, byte[] values) { return new HostTensor(DType.PRED, shape, MemorySegment.ofArray(values)); }

    public static HostTensor scalar(float v) { return of(Shape.SCALAR, new float[] {v}); }

    public static HostTensor scalar(int v) { return of(Shape.SCALAR, new int[] {v}); }

    /** Converts doubles to any dtype (rounding to nearest even for bf16/f16, truncation toward zero for integers). */
    public static HostTensor fromDoubles(DType dtype, Shape shape, double[] v) {
        int n = shape.intSize();
        if (v.length != n) throw new IllegalArgumentException("shape " + shape + " needs " + n + " values, got " + v.length);
        switch (dtype) {
            case F64: return of(shape, v.clone());
            case F32: { float[] a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float) v[i]; return of(shape, a); }
            case BF16: { short[] a = new short[n]; for (int i = 0; i < n; i++) a[i] = Float16.bf16FromFloat((float) v[i]); return ofShorts(dtype, shape, a); }
            case F16: { short[] a = new short[n]; for (int i = 0; i < n; i++) a[i] = Float16.f16FromFloat((float) v[i]); return ofShorts(dtype, shape, a); }
            case S64: { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = (long) v[i]; return of(shape, a); }
            case S32: { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = (int) v[i]; return of(shape, a); }
            case PRED: { byte[] a = new byte[n]; for (int i = 0; i < n; i++) a[i] = (byte) (v[i] != 0 ? 1 : 0); return ofPred(shape, a); }
            default: throw new AssertionError(dtype);
        }
    }

    /** Converts floats to any floating dtype. */
    public static HostTensor fromFloats(DType dtype, Shape shape, float[] v) {
        if (dtype == DType.F32) return of(shape, v);
        if (dtype == DType.BF16) {
            if (v.length != shape.intSize()) throw new IllegalArgumentException("shape " + shape + " needs " + shape.intSize() + " values, got " + v.length);
            short[] h = new short[v.length];
            for (int i = 0; i < v.length; i++) h[i] = Float16.bf16FromFloat(v[i]);
            return ofShorts(dtype, shape, h);
        }
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return fromDoubles(dtype, shape, d);
    }

    // ---- accessors ---------------------------------------------------------------------------

    public TensorType type() { return type; }

    public DType dtype() { return type.dtype(); }

    public Shape shape() { return type.shape(); }

    public MemorySegment data() { return data; }

    public long size() { return type.shape().size(); }

    /** The backing array when this tensor is exactly a whole Java array of the given class, else null. */
    private <A> A backing(Class<A> arrayClass, int elements) {
        Object base = data.heapBase().orElse(null);
        if (arrayClass.isInstance(base) && java.lang.reflect.Array.getLength(base) == elements && data.address() == 0) {
            return arrayClass.cast(base);
        }
        return null;
    }

    /**
     * f32 values. For an f32 tensor backed by a Java array this is that array itself (no copy; do not modify
     * it unless you own the tensor); other floating and integer types are converted into a new array.
     */
    public float[] floats() {
        int n = shape().intSize();
        if (dtype() == DType.F32) {
            float[] a = backing(float[].class, n);
            if (a != null) return a;
            a = new float[n];
            MemorySegment.copy(data, F32, 0, a, 0, n);
            return a;
        }
        float[] out = new float[n];
        if (dtype() == DType.BF16) {
            short[] h = shorts();
            for (int i = 0; i < n; i++) out[i] = Float16.bf16ToFloat(h[i]);
        } else if (dtype() == DType.F16) {
            short[] h = shorts();
            for (int i = 0; i < n; i++) out[i] = Float16.f16ToFloat(h[i]);
        } else {
            for (int i = 0; i < n; i++) out[i] = (float) getDouble(i);
        }
        return out;
    }

    /** f64 values of any dtype (a new array unless this is an array-backed f64 tensor). */
    public double[] doubles() {
        int n = shape().intSize();
        if (dtype() == DType.F64) {
            double[] a = backing(double[].class, n);
            if (a != null) return a;
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = getDouble(i);
        return out;
    }

    /** s32 values (the backing array for an array-backed s32 tensor, else converted). */
    public int[] ints() {
        int n = shape().intSize();
        if (dtype() == DType.S32) {
            int[] a = backing(int[].class, n);
            if (a != null) return a;
            a = new int[n];
            MemorySegment.copy(data, I32, 0, a, 0, n);
            return a;
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = (int) getLong(i);
        return out;
    }

    /** s64 values of any integer or pred dtype. */
    public long[] longs() {
        int n = shape().intSize();
        if (dtype() == DType.S64) {
            long[] a = backing(long[].class, n);
            if (a != null) return a;
        }
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = getLong(i);
        return out;
    }

    /** bf16/f16 bit patterns (backing array when possible). */
    public short[] shorts() {
        if (dtype() != DType.BF16 && dtype() != DType.F16) throw new IllegalStateException("shorts() on a " + dtype() + " tensor");
        int n = shape().intSize();
        short[] a = backing(short[].class, n);
        if (a != null) return a;
        a = new short[n];
        MemorySegment.copy(data, I16, 0, a, 0, n);
        return a;
    }

    /** pred values as bytes 0/1. */
    public byte[] preds() {
        if (dtype() != DType.PRED) throw new IllegalStateException("preds() on a " + dtype() + " tensor");
        int n = shape().intSize();
        byte[] a = backing(byte[].class, n);
        if (a != null) return a;
        return data.toArray(ValueLayout.JAVA_BYTE);
    }

    /** Element {@code i} (flat row-major index) as a double, whatever the dtype. */
    public double getDouble(long i) {
        return switch (dtype()) {
            case F64 -> data.getAtIndex(F64, i);
            case F32 -> data.getAtIndex(F32, i);
            case BF16 -> Float16.bf16ToFloat(data.getAtIndex(I16, i));
            case F16 -> Float16.f16ToFloat(data.getAtIndex(I16, i));
            case S64 -> data.getAtIndex(I64, i);
            case S32 -> data.getAtIndex(I32, i);
            case PRED -> data.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
        };
    }

    /** Element {@code i} as a long (floating values truncated toward zero). */
    public long getLong(long i) {
        return switch (dtype()) {
            case S64 -> data.getAtIndex(I64, i);
            case S32 -> data.getAtIndex(I32, i);
            case PRED -> data.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
            default -> (long) getDouble(i);
        };
    }

    /** This tensor converted to another dtype (same tensor when the dtype already matches). */
    public HostTensor to(DType target) {
        if (target == dtype()) return this;
        if (target == DType.S64 && !dtype().isFloating()) return of(shape(), longs()); // exact beyond 2^53
        if (target == DType.S32 && !dtype().isFloating()) { // integers narrow by dropping high bits, as XLA's convert
            int n = shape().intSize();
            int[] out = new int[n];
            for (int i = 0; i < n; i++) out[i] = (int) getLong(i);
            return of(shape(), out);
        }
        if (target == DType.BF16 && dtype() == DType.F32) return fromFloats(target, shape(), floats());
        if (target == DType.F32 && (dtype() == DType.BF16 || dtype() == DType.F16)) return of(shape(), floats());
        return fromDoubles(target, shape(), doubles());
    }

    /** Same bytes, new shape of equal size. */
    public HostTensor reshape(Shape shape) {
        if (shape.size() != shape().size()) throw new IllegalArgumentException("cannot reshape " + shape() + " to " + shape);
        return new HostTensor(dtype(), shape, data);
    }

    /** A deep copy in a fresh Java array. */
    public HostTensor copy() {
        HostTensor z = forOverwrite(dtype(), shape());
        MemorySegment.copy(data, 0, z.data, 0, data.byteSize());
        return z;
    }

    public boolean contentEquals(HostTensor o) {
        return type.equals(o.type) && data.mismatch(o.data) == -1;
    }

    @Override
    public String toString() {
        int n = (int) Math.min(size(), 8);
        double[] head = new double[n];
        for (int i = 0; i < n; i++) head[i] = getDouble(i);
        return "HostTensor" + type + Arrays.toString(head) + (size() > n ? "..." : "");
    }
}
