package monetj.core.exec;

import java.util.HashMap;
import java.util.Map;
import monetj.core.tensor.HostTensor;

/**
 * The storage one execution holds: its bytes at once and their peak, and which storage the execution owns (it
 * allocated it, or was given it by a donation) and alone refers to (so a kernel may overwrite it). Tensors that share storage (a reshape is a view
 * of its operand) are counted once: storage is keyed by its Java array, or by its address off the heap.
 */
final class LiveBytes {
    private final Map<Object, long[]> held = new HashMap<>(); // storage -> {references, bytes, 1 if owned by this execution}
    private long live;
    private long peak;

    /** One more reference to {@code t}'s storage; {@code owned} for a kernel's fresh result or a donated argument the caller no longer refers to. */
    void hold(HostTensor t, boolean owned) {
        long[] entry = held.computeIfAbsent(storage(t), k -> new long[] {0, t.data().byteSize(), owned ? 1 : 0});
        if (entry[0]++ == 0) {
            live += entry[1];
            peak = Math.max(peak, live);
        }
    }

    /** Whether {@code t}'s storage is owned by this execution and only one reference to it is held. */
    boolean exclusive(HostTensor t) {
        long[] entry = held.get(storage(t));
        return entry != null && entry[0] == 1 && entry[2] == 1;
    }

    /** Whether {@code t}'s storage is held and owned by this execution. */
    boolean owned(HostTensor t) {
        long[] entry = held.get(storage(t));
        return entry != null && entry[2] == 1;
    }

    static boolean sameStorage(HostTensor a, HostTensor b) { return storage(a).equals(storage(b)); }

    /**
     * One reference fewer; when it was the last to storage this execution owns, that storage is dead: its Java
     * array is returned (for reuse), else null.
     */
    Object release(HostTensor t) {
        Object key = storage(t);
        long[] entry = held.get(key);
        if (entry != null && --entry[0] == 0) {
            live -= entry[1];
            held.remove(key);
            if (entry[2] == 1 && key.getClass().isArray()) return key;
        }
        return null;
    }

    long peak() { return peak; }

    private static Object storage(HostTensor t) {
        return t.data().heapBase().map(base -> (Object) base).orElse(t.data().address());
    }
}
