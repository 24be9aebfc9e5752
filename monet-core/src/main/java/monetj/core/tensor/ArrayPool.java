package monetj.core.tensor;

import java.lang.reflect.Array;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * Dead arrays of one compiled program, kept across its executions so that its large intermediates reuse storage
 * instead of being allocated (and zeroed, and collected as humongous objects) every time. The executor gives an
 * array back only when nothing refers to it any more; allocations made while a pool is bound to the thread
 * ({@link #within}) take an array of the same type and length from it. A caller states what it needs: {@link
 * #forOverwrite} when it writes every element itself (a pooled array comes back with old contents), {@link #zeroed}
 * when it relies on zeros (a pooled array is cleared first). Arrays under {@link #MIN_BYTES} are not pooled: a
 * thread-local allocation of those is cheaper than the look-up. Dead arrays of kernels that allocate elsewhere are
 * given back too, so after each execution the pool keeps of each type and length only as many as that execution
 * asked for, and no more bytes than the execution held at its peak ({@link #trim}).
 */
public final class ArrayPool {
    /** Below this size an array is allocated as usual and never pooled. */
    public static final long MIN_BYTES = 1 << 16;
    private static final long PARALLEL_CLEAR_BYTES = 1 << 22;

    private static final ScopedValue<ArrayPool> CURRENT = ScopedValue.newInstance();

    private record Key(Class<?> component, int length) {}

    private final Map<Key, ArrayDeque<Object>> free = new HashMap<>();
    private final Map<Key, int[]> asked = new HashMap<>(); // since the last trim: how many arrays of each key were asked for
    private long bytes;
    private long reused;

    /** Runs {@code body} with this pool serving the thread's allocations. */
    public <T> T within(Supplier<T> body) { return ScopedValue.where(CURRENT, this).call(body::get); }

    /** A new array of {@code dtype}'s storage type whose contents are unspecified: the caller writes every element. */
    public static Object forOverwrite(DType dtype, int length) { return take(dtype, length, false); }

    /** An array of {@code dtype}'s storage type filled with zeros. */
    public static Object zeroed(DType dtype, int length) { return take(dtype, length, true); }

    /** An f32 array whose contents are unspecified: the caller writes every element. */
    public static float[] floatsForOverwrite(int length) { return (float[]) take(DType.F32, length, false); }

    /** An f32 array of zeros (for a kernel that accumulates into it). */
    public static float[] zeroedFloats(int length) { return (float[]) take(DType.F32, length, true); }

    /** Hands a kernel's own scratch array (nothing else refers to it) back to the pool serving the thread, if there is one. */
    public static void giveBack(Object array) {
        if (CURRENT.isBound()) CURRENT.get().giveIfDead(array);
    }

    private static Object take(DType dtype, int length, boolean zeros) {
        Class<?> component = component(dtype);
        ArrayPool pool = CURRENT.isBound() ? CURRENT.get() : null;
        Object a = pool != null && (long) length * dtype.byteSize() >= MIN_BYTES ? pool.poll(new Key(component, length)) : null;
        if (a == null) return Array.newInstance(component, length);
        if (zeros) clear(a);
        return a;
    }

    /**
     * Keeps {@code array} (when not null) for a later allocation of its type and length. The caller guarantees that
     * nothing refers to it any more. Arrays of other types, and small ones, are left to the collector.
     */
    public synchronized void giveIfDead(Object array) {
        if (array == null) return;
        Class<?> component = array.getClass().getComponentType();
        if (component == null || !component.isPrimitive()) return;
        int length = Array.getLength(array);
        long size = (long) length * elementBytes(component);
        if (size < MIN_BYTES) return;
        free.computeIfAbsent(new Key(component, length), k -> new ArrayDeque<>()).push(array);
        bytes += size;
    }

    private synchronized Object poll(Key key) {
        asked.computeIfAbsent(key, k -> new int[1])[0]++;
        ArrayDeque<Object> q = free.get(key);
        Object a = q == null ? null : q.poll();
        if (a != null) {
            bytes -= size(key);
            reused += size(key);
        }
        return a;
    }

    /**
     * Drops the arrays beyond as many of each type and length as were asked for since the last trim (an execution's
     * worth), then, while more than {@code maxBytes} are kept, the smallest: a large array saves the most (an
     * allocation outside the young generation, its zeroing and its collection).
     */
    public synchronized void trim(long maxBytes) {
        for (var it = free.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            int keep = asked.getOrDefault(e.getKey(), new int[1])[0];
            ArrayDeque<Object> q = e.getValue();
            while (q.size() > keep) {
                q.pop();
                bytes -= size(e.getKey());
            }
            if (q.isEmpty()) it.remove();
        }
        asked.clear();
        if (bytes <= maxBytes) return;
        List<Key> smallestFirst = free.keySet().stream().sorted(Comparator.comparingLong(ArrayPool::size)).toList();
        for (Key k : smallestFirst) {
            ArrayDeque<Object> q = free.get(k);
            while (bytes > maxBytes && !q.isEmpty()) {
                q.pop();
                bytes -= size(k);
            }
            if (q.isEmpty()) free.remove(k);
            if (bytes <= maxBytes) return;
        }
    }

    private static long size(Key k) { return (long) k.length() * elementBytes(k.component()); }

    /** The bytes of the arrays held for reuse now. */
    public synchronized long bytes() { return bytes; }

    /** The bytes handed out again since the pool was made. */
    public synchronized long reusedBytes() { return reused; }

    /** Drops every array (the program is closed). */
    public synchronized void clear() {
        free.clear();
        asked.clear();
        bytes = 0;
    }

    private static Class<?> component(DType dtype) {
        return switch (dtype) {
            case F64 -> double.class;
            case F32 -> float.class;
            case BF16, F16 -> short.class;
            case S64 -> long.class;
            case S32 -> int.class;
            case PRED -> byte.class;
        };
    }

    private static int elementBytes(Class<?> component) {
        if (component == double.class || component == long.class) return 8;
        if (component == float.class || component == int.class) return 4;
        if (component == short.class || component == char.class) return 2;
        return 1;
    }

    /** Zeroes {@code a}; a large array in slices on every thread of the common pool (a 65 MB vocabulary array takes one core ~8 ms). */
    private static void clear(Object a) {
        int n = Array.getLength(a);
        long bytes = (long) n * elementBytes(a.getClass().getComponentType());
        int slices = bytes >= PARALLEL_CLEAR_BYTES ? ForkJoinPool.getCommonPoolParallelism() + 1 : 1;
        if (slices == 1) clear(a, 0, n);
        else IntStream.range(0, slices).parallel().forEach(s -> clear(a, (int) ((long) n * s / slices), (int) ((long) n * (s + 1) / slices)));
    }

    private static void clear(Object a, int from, int to) {
        switch (a) {
            case float[] f -> Arrays.fill(f, from, to, 0f);
            case double[] d -> Arrays.fill(d, from, to, 0d);
            case short[] s -> Arrays.fill(s, from, to, (short) 0);
            case int[] i -> Arrays.fill(i, from, to, 0);
            case long[] l -> Arrays.fill(l, from, to, 0L);
            case byte[] b -> Arrays.fill(b, from, to, (byte) 0);
            default -> throw new IllegalArgumentException("not a pooled array: " + a.getClass());
        }
    }
}
