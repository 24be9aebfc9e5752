package monetj.xla.pjrt;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import monetj.xla.pjrt.PjrtStructs.ApiVersion;

/**
 * A plugin's {@code PJRT_Api} function table: checked against what this binding needs when loaded, then
 * called through one downcall handle per function. Every call returning a {@code PJRT_Error*} goes through
 * {@link #call}, which turns an error into a {@link PjrtException} and destroys the error.
 */
final class PjrtApi {
    /** Oldest minor version accepted: every function and field used here exists by 0.71 (2025 plugins). */
    static final int MIN_MINOR = 71;
    /** The layouts in {@link PjrtStructs} are those of this minor version. */
    static final int LAYOUT_MINOR = 114;
    /** Plugins whose newer minor version was reported already: once per plugin and process. */
    private static final java.util.Set<String> NEWER_REPORTED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor ERROR_FN = FunctionDescriptor.of(ADDRESS, ADDRESS);
    private static final FunctionDescriptor VOID_FN = FunctionDescriptor.ofVoid(ADDRESS);

    final Path path;
    final int major, minor;
    final long structSize;
    private final MemorySegment table;
    /** Downcall handles by {@link PjrtFunction#ordinal()}, made once the table is checked; null where absent. */
    private final MethodHandle[] handles = new MethodHandle[PjrtFunction.values().length];

    private PjrtApi(Path path, MemorySegment table) {
        this.path = path;
        this.table = table;
        this.structSize = table.get(JAVA_LONG, PjrtStructs.STRUCT_SIZE_FIELD);
        this.major = table.get(JAVA_INT, PjrtStructs.Api.PJRT_API_VERSION + ApiVersion.MAJOR_VERSION);
        this.minor = table.get(JAVA_INT, PjrtStructs.Api.PJRT_API_VERSION + ApiVersion.MINOR_VERSION);
    }

    /**
     * Opens the shared library (never unloaded: plugins keep static registries), reads its table and checks
     * the version and that every function this binding calls is present.
     */
    /** The dynamic loader's own explanation (dlerror) of why {@code path} does not load, where libc provides it. */
    private static String dynamicLoaderReason(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            var libc = LINKER.defaultLookup();
            var dlopen = libc.find("dlopen").orElse(null);
            var dlerror = libc.find("dlerror").orElse(null);
            if (dlopen == null || dlerror == null) return "";
            MemorySegment handle = (MemorySegment) LINKER.downcallHandle(dlopen,
                    java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.ADDRESS, java.lang.foreign.ValueLayout.ADDRESS,
                            java.lang.foreign.ValueLayout.JAVA_INT)).invokeExact(arena.allocateFrom(path.toString()), 1 /* RTLD_LAZY */);
            if (!handle.equals(MemorySegment.NULL)) return "";
            MemorySegment message = (MemorySegment) LINKER.downcallHandle(dlerror,
                    java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.ADDRESS)).invokeExact();
            return message.equals(MemorySegment.NULL) ? "" : "; the dynamic loader says: " + message.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return "";
        }
    }

    static PjrtApi open(Path path) {
        SymbolLookup lib;
        try {
            lib = SymbolLookup.libraryLookup(path, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new IncompatiblePluginException("cannot load PJRT plugin " + path + ": " + e.getMessage() + dynamicLoaderReason(path)
                    + " (a plugin needs the shared libraries next to it in its wheel, e.g. the nvidia-* wheels for CUDA; `ldd " + path
                    + "` lists what is missing)");
        }
        MemorySegment getApi = lib.find("GetPjrtApi").orElseThrow(() ->
                new IncompatiblePluginException(path + " is not a PJRT plugin: it exports no GetPjrtApi symbol"));
        MemorySegment table;
        try {
            table = (MemorySegment) LINKER.downcallHandle(getApi, FunctionDescriptor.of(ADDRESS)).invokeExact();
        } catch (Throwable t) {
            throw new IncompatiblePluginException("GetPjrtApi of " + path + " failed: " + t);
        }
        if (table.equals(MemorySegment.NULL)) throw new IncompatiblePluginException("GetPjrtApi of " + path + " returned NULL");
        long size = table.reinterpret(PjrtStructs.Api.FUNCTIONS).get(JAVA_LONG, PjrtStructs.STRUCT_SIZE_FIELD);
        PjrtApi api = new PjrtApi(path, table.reinterpret(Math.max(size, PjrtStructs.Api.FUNCTIONS)));
        api.checkCompatible();
        api.bindFunctions();
        return api;
    }

    private void checkCompatible() {
        String found = "PJRT C API " + major + "." + minor + " (PJRT_Api.struct_size " + structSize + ")";
        if (major != 0 || minor < MIN_MINOR) {
            throw new IncompatiblePluginException("PJRT plugin " + path + " implements " + found + "; Monet-J needs PJRT C API 0." + MIN_MINOR
                    + " or newer with major version 0 (its struct layouts are those of 0." + LAYOUT_MINOR + ")");
        }
        if (minor > LAYOUT_MINOR && NEWER_REPORTED.add(path.toString())) {
            System.err.println("monet: PJRT plugin " + path + " implements " + found + ", newer than 0." + LAYOUT_MINOR
                    + ", the version whose struct layouts Monet-J was checked against; PJRT only appends fields, so it should work (monet selftest checks)");
        }
        for (PjrtFunction f : PjrtFunction.values()) {
            if (!f.optional && !has(f)) {
                throw new IncompatiblePluginException("PJRT plugin " + path + " (" + found + ") lacks " + f.cName + " (function slot " + f.slot
                        + "), which Monet-J needs");
            }
        }
    }

    String version() { return major + "." + minor; }

    /** PJRT_Extension_Type names by value (PJRT 0.114); later values are shown by number. */
    private static final List<String> EXTENSION_TYPES = List.of("Gpu_Custom_Call", "Profiler", "Custom_Partitioner", "Stream", "Layouts", "FFI",
            "MemoryDescriptions", "Triton", "RawBuffer", "PhaseCompile", "Example", "Unknown", "CrossHostTransfers", "ExecutableMetadata", "Callback",
            "HostAllocator", "TpuTopology", "TpuExecutable", "Megascale", "Shardings", "AbiVersion", "Collectives", "MultiSlice",
            "HostMemoryAllocator", "XlaTransform");

    /** Walks the extension chain ({@code PJRT_Extension_Base}: struct_size @0, type @8, next @16). */
    List<String> extensionNames() {
        List<String> names = new ArrayList<>();
        MemorySegment ext = table.get(ADDRESS, PjrtStructs.EXTENSION_START_FIELD);
        while (!ext.equals(MemorySegment.NULL) && names.size() < 64) { // a bound against a corrupt (cyclic) chain
            MemorySegment base = ext.reinterpret(24);
            int type = base.get(JAVA_INT, 8);
            names.add(type >= 0 && type < EXTENSION_TYPES.size() ? EXTENSION_TYPES.get(type) : "type " + type);
            ext = base.get(ADDRESS, 16);
        }
        return names;
    }

    /** Whether the plugin's table has a non-NULL entry for {@code f}. */
    boolean has(PjrtFunction f) {
        return f.offset() + 8 <= structSize && !table.get(ADDRESS, f.offset()).equals(MemorySegment.NULL);
    }

    private void bindFunctions() {
        for (PjrtFunction f : PjrtFunction.values()) {
            if (!has(f)) continue;
            boolean returnsVoid = f == PjrtFunction.ERROR_DESTROY || f == PjrtFunction.ERROR_MESSAGE;
            handles[f.ordinal()] = LINKER.downcallHandle(table.get(ADDRESS, f.offset()), returnsVoid ? VOID_FN : ERROR_FN);
        }
    }

    private MethodHandle handle(PjrtFunction f) {
        MethodHandle h = handles[f.ordinal()];
        if (h == null) throw new UnsupportedOperationException("PJRT plugin " + path + " does not implement " + f.cName);
        return h;
    }

    /** Calls {@code f(args)}; a returned error becomes a {@link PjrtException} (the error is destroyed). */
    void call(PjrtFunction f, MemorySegment args) {
        MemorySegment error;
        try {
            error = (MemorySegment) handle(f).invokeExact(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(f.cName + ": " + t, t);
        }
        if (!error.equals(MemorySegment.NULL)) throw toException(f.cName, error);
    }

    /** Reads the error's message and code, destroys it, and returns the exception to throw. */
    PjrtException toException(String function, MemorySegment error) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment msg = args(arena, PjrtStructs.ErrorMessageArgs.STRUCT_SIZE);
            msg.set(ADDRESS, PjrtStructs.ErrorMessageArgs.ERROR, error);
            invokeVoid(PjrtFunction.ERROR_MESSAGE, msg);
            String text = string(msg.get(ADDRESS, PjrtStructs.ErrorMessageArgs.MESSAGE), msg.get(JAVA_LONG, PjrtStructs.ErrorMessageArgs.MESSAGE_SIZE));
            MemorySegment code = args(arena, PjrtStructs.ErrorGetCodeArgs.STRUCT_SIZE);
            code.set(ADDRESS, PjrtStructs.ErrorGetCodeArgs.ERROR, error);
            MemorySegment codeError = (MemorySegment) handle(PjrtFunction.ERROR_GET_CODE).invokeExact(code);
            PjrtErrorCode c = codeError.equals(MemorySegment.NULL) ? PjrtErrorCode.of(code.get(JAVA_INT, PjrtStructs.ErrorGetCodeArgs.CODE)) : PjrtErrorCode.UNKNOWN;
            if (!codeError.equals(MemorySegment.NULL)) destroyError(codeError);
            return new PjrtException(function, c, text);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("reading a PJRT error: " + t, t);
        } finally {
            destroyError(error);
        }
    }

    private void destroyError(MemorySegment error) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = args(arena, PjrtStructs.ErrorDestroyArgs.STRUCT_SIZE);
            a.set(ADDRESS, PjrtStructs.ErrorDestroyArgs.ERROR, error);
            invokeVoid(PjrtFunction.ERROR_DESTROY, a);
        }
    }

    private void invokeVoid(PjrtFunction f, MemorySegment args) {
        try {
            handle(f).invokeExact(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(f.cName + ": " + t, t);
        }
    }

    /** Blocks until the event is ready, destroys it, and throws its error if it carries one. */
    void awaitAndDestroy(MemorySegment event, String what) {
        if (event.equals(MemorySegment.NULL)) return;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = args(arena, PjrtStructs.EventAwaitArgs.STRUCT_SIZE);
            a.set(ADDRESS, PjrtStructs.EventAwaitArgs.EVENT, event);
            call(PjrtFunction.EVENT_AWAIT, a);
        } catch (PjrtException e) {
            throw new PjrtException(e.function() + " (awaiting " + what + ")", e.code(), e.pluginMessage());
        } finally {
            destroyEvent(event);
        }
    }

    void destroyEvent(MemorySegment event) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = args(arena, PjrtStructs.EventDestroyArgs.STRUCT_SIZE);
            a.set(ADDRESS, PjrtStructs.EventDestroyArgs.EVENT, event);
            call(PjrtFunction.EVENT_DESTROY, a);
        }
    }

    /** A zero-filled args struct with its struct_size set (extension_start stays NULL). */
    static MemorySegment args(Arena arena, long structSize) {
        MemorySegment s = arena.allocate(structSize, 8);
        s.set(JAVA_LONG, PjrtStructs.STRUCT_SIZE_FIELD, structSize);
        return s;
    }

    /** A (pointer, length) string owned by the plugin, copied into Java. */
    static String string(MemorySegment chars, long length) {
        if (chars.equals(MemorySegment.NULL) || length == 0) return "";
        return new String(chars.reinterpret(length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }
}
