package monetj.xla.pjrt;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import monetj.xla.pjrt.PjrtStructs.NamedValue;

/**
 * Options for {@code PJRT_Client_Create}, passed as {@code PJRT_NamedValue}s. Plugins check names and types
 * strictly, so each value's Java type picks its PJRT type: String, Long, long[], Float (never Double: the GPU
 * plugin's memory_fraction is a float) or Boolean.
 */
public record ClientOptions(Map<String, Object> values) {
    public ClientOptions {
        values = Map.copyOf(values);
        for (Map.Entry<String, Object> e : values.entrySet()) {
            Object v = e.getValue();
            if (!(v instanceof String || v instanceof Long || v instanceof long[] || v instanceof Float || v instanceof Boolean)) {
                throw new IllegalArgumentException("client option '" + e.getKey() + "' has a value of type " + v.getClass().getSimpleName()
                        + "; PJRT options are String, Long, long[], Float or Boolean");
            }
        }
    }

    public static ClientOptions none() { return new ClientOptions(Map.of()); }

    /**
     * Options of XLA's GPU plugin: {@code preallocate} (false: grow on demand instead of taking
     * {@code memory_fraction} of device memory at start) and {@code memory_fraction} (null keeps the
     * plugin's default, 0.75).
     */
    public static ClientOptions gpu(boolean preallocate, Float memoryFraction) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("preallocate", preallocate);
        if (memoryFraction != null) {
            if (!(memoryFraction > 0 && memoryFraction <= 1)) throw new IllegalArgumentException("memory_fraction must be in (0, 1], got " + memoryFraction);
            m.put("memory_fraction", memoryFraction);
        }
        return new ClientOptions(m);
    }

    /**
     * What Monet-J passes to a plugin found at {@code plugin}: XLA's CUDA plugin is told not to preallocate
     * (it would otherwise take 75 % of device memory at start); other plugins get no options, since they
     * refuse names they do not know.
     */
    public static ClientOptions defaultsFor(Path plugin) {
        return plugin.getFileName().toString().contains("cuda") ? gpu(false, null) : none();
    }

    /**
     * As {@link #defaultsFor}, with a GPU memory pool of {@code memoryFraction} of device memory taken at start
     * (null: no pool up front). Only XLA's CUDA plugin has this option; others refuse it here, by name.
     */
    public static ClientOptions forPlugin(Path plugin, Double memoryFraction) {
        if (memoryFraction == null) return defaultsFor(plugin);
        if (!plugin.getFileName().toString().contains("cuda")) {
            throw new IllegalArgumentException("memory_fraction " + memoryFraction + " is an option of XLA's CUDA plugin; " + plugin + " does not take it");
        }
        return gpu(true, memoryFraction.floatValue());
    }

    /**
     * These options plus what XLA's CUDA plugin needs to be process {@code processId} of {@code processCount}:
     * {@code node_id} and {@code num_nodes}. Other plugins get nothing added (libtpu finds its slice itself, and
     * plugins refuse option names they do not know); a single process needs nothing either.
     */
    public ClientOptions forProcess(Path plugin, int processId, int processCount) {
        if (processCount == 1 || !plugin.getFileName().toString().contains("cuda")) return this;
        Map<String, Object> m = new LinkedHashMap<>(values);
        m.put("node_id", (long) processId);
        m.put("num_nodes", (long) processCount);
        return new ClientOptions(m);
    }

    /** The options as a native array of PJRT_NamedValue (with their strings and lists) in {@code arena}. */
    MemorySegment encode(Arena arena) {
        if (values.isEmpty()) return MemorySegment.NULL;
        MemorySegment array = arena.allocate(NamedValue.SIZEOF * values.size(), 8);
        int i = 0;
        for (Map.Entry<String, Object> e : values.entrySet()) {
            MemorySegment v = array.asSlice(NamedValue.SIZEOF * i++, NamedValue.SIZEOF);
            v.set(JAVA_LONG, PjrtStructs.STRUCT_SIZE_FIELD, NamedValue.STRUCT_SIZE);
            MemorySegment name = arena.allocateFrom(e.getKey());
            v.set(ADDRESS, NamedValue.NAME, name);
            v.set(JAVA_LONG, NamedValue.NAME_SIZE, name.byteSize() - 1);
            long count = 1;
            switch (e.getValue()) {
                case String s -> {
                    MemorySegment chars = arena.allocateFrom(s);
                    v.set(JAVA_INT, NamedValue.TYPE, NamedValue.TYPE_STRING);
                    v.set(ADDRESS, NamedValue.STRING_VALUE, chars);
                    count = chars.byteSize() - 1;
                }
                case Long l -> {
                    v.set(JAVA_INT, NamedValue.TYPE, NamedValue.TYPE_INT64);
                    v.set(JAVA_LONG, NamedValue.INT64_VALUE, l);
                }
                case long[] list -> {
                    v.set(JAVA_INT, NamedValue.TYPE, NamedValue.TYPE_INT64_LIST);
                    v.set(ADDRESS, NamedValue.INT64_ARRAY_VALUE, list.length == 0 ? MemorySegment.NULL : arena.allocateFrom(JAVA_LONG, list));
                    count = list.length;
                }
                case Float f -> {
                    v.set(JAVA_INT, NamedValue.TYPE, NamedValue.TYPE_FLOAT);
                    v.set(JAVA_FLOAT, NamedValue.FLOAT_VALUE, f);
                }
                case Boolean b -> {
                    v.set(JAVA_INT, NamedValue.TYPE, NamedValue.TYPE_BOOL);
                    v.set(JAVA_BOOLEAN, NamedValue.BOOL_VALUE, b);
                }
                default -> throw new AssertionError(e.getValue());
            }
            v.set(JAVA_LONG, NamedValue.VALUE_SIZE, count);
        }
        return array;
    }
}
