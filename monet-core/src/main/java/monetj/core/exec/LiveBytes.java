package monetj.core.exec;

import java.util.HashMap;
import java.util.Map;
import monetj.core.tensor.HostTensor;

/**
 * The bytes one execution holds at once, and their peak. Tensors that share storage (a reshape is a view of
 * its operand) are counted once: storage is keyed by its Java array, or by its address off the heap.
 */
final class LiveBytes {
    private final Map<Object, long[]> held = new HashMap<>(); // storage -> {references, bytes}
    private long live;
    private long peak;

    void hold(HostTensor t) {
        long[] entry = held.computeIfAbsent(storage(t), k -> new long[] {0, t.data().byteSize()});
        if (entry[0]++ == 0) {
            live += entry[1];
            peak = Math.max(peak, live);
        }
    }

    void release(HostTensor t) {
        Object key = storage(t);
        long[] entry = held.get(key);
        if (entry != null && --entry[0] == 0) {
            live -= entry[1];
            held.remove(key);
        }
    }

    long peak() { return peak; }

    private static Object storage(HostTensor t) {
        return t.data().heapBase().map(base -> (Object) base).orElse(t.data().address());
    }
}
