package monetj.xla.pjrt;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import monetj.xla.pjrt.PjrtStructs.NamedValue;

/**
 * A loaded PJRT plugin. Each library is loaded and {@code PJRT_Plugin_Initialize}d once per process, however
 * many times it is asked for; clients are created from it.
 */
public final class PjrtPlugin {
    private static final Map<Path, PjrtPlugin> LOADED = new ConcurrentHashMap<>();

    final PjrtApi api;
    private final Map<String, Object> attributes;

    private PjrtPlugin(PjrtApi api) {
        this.api = api;
        try (Arena arena = Arena.ofConfined()) {
            api.call(PjrtFunction.PLUGIN_INITIALIZE, PjrtApi.args(arena, PjrtStructs.PluginInitializeArgs.STRUCT_SIZE));
        }
        this.attributes = readAttributes();
    }

    /** The plugin at {@code path}, loaded, version-checked and initialized on first use. */
    public static PjrtPlugin load(Path path) {
        Path key;
        try {
            key = path.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("PJRT plugin " + path + " cannot be opened", e);
        }
        return LOADED.computeIfAbsent(key, p -> new PjrtPlugin(PjrtApi.open(p)));
    }

    public Path path() { return api.path; }

    /** {@code major.minor} of the PJRT C API the plugin was built with. */
    public String apiVersion() { return api.version(); }

    public long apiStructSize() { return api.structSize; }

    /** Names of the optional extensions the plugin chains from {@code PJRT_Api.extension_start}, in chain order. */
    public List<String> extensions() { return api.extensionNames(); }

    /** Plugin attributes (e.g. xla_version, stablehlo_current_version): String, Long, long[], Float or Boolean. */
    public Map<String, Object> attributes() { return attributes; }

    private Map<String, Object> readAttributes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = PjrtApi.args(arena, PjrtStructs.PluginAttributesArgs.STRUCT_SIZE);
            api.call(PjrtFunction.PLUGIN_ATTRIBUTES, a);
            long n = a.get(JAVA_LONG, PjrtStructs.PluginAttributesArgs.NUM_ATTRIBUTES);
            MemorySegment array = a.get(ADDRESS, PjrtStructs.PluginAttributesArgs.ATTRIBUTES).reinterpret(n * NamedValue.SIZEOF);
            return readNamedValues(array, n);
        }
    }

    /** Decodes an array of {@code PJRT_NamedValue}; refuses arrays whose elements are not the size expected. */
    static Map<String, Object> readNamedValues(MemorySegment array, long n) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (long i = 0; i < n; i++) {
            MemorySegment v = array.asSlice(i * NamedValue.SIZEOF, NamedValue.SIZEOF);
            long size = v.get(JAVA_LONG, PjrtStructs.STRUCT_SIZE_FIELD);
            if (size != NamedValue.STRUCT_SIZE) {
                throw new IncompatiblePluginException("PJRT_NamedValue " + i + " has struct_size " + size + ", expected " + NamedValue.STRUCT_SIZE);
            }
            String name = PjrtApi.string(v.get(ADDRESS, NamedValue.NAME), v.get(JAVA_LONG, NamedValue.NAME_SIZE));
            long count = v.get(JAVA_LONG, NamedValue.VALUE_SIZE);
            Object value = switch (v.get(JAVA_INT, NamedValue.TYPE)) {
                case NamedValue.TYPE_STRING -> PjrtApi.string(v.get(ADDRESS, NamedValue.STRING_VALUE), count);
                case NamedValue.TYPE_INT64 -> v.get(JAVA_LONG, NamedValue.INT64_VALUE);
                case NamedValue.TYPE_INT64_LIST -> v.get(ADDRESS, NamedValue.INT64_ARRAY_VALUE).reinterpret(count * 8).toArray(JAVA_LONG);
                case NamedValue.TYPE_FLOAT -> v.get(JAVA_FLOAT, NamedValue.FLOAT_VALUE);
                case NamedValue.TYPE_BOOL -> v.get(JAVA_BOOLEAN, NamedValue.BOOL_VALUE);
                default -> "(value of unknown type " + v.get(JAVA_INT, NamedValue.TYPE) + ")";
            };
            out.put(name, value);
        }
        return out;
    }

    /** An attribute value as text (lists joined with dots, as versions are written). */
    public static String format(Object value) {
        if (value instanceof long[] l) return String.join(".", Arrays.stream(l).mapToObj(Long::toString).toList());
        return String.valueOf(value);
    }

    @Override
    public String toString() { return "PJRT plugin " + api.path + " (C API " + apiVersion() + ")"; }
}
