package monetj.xla.pjrt;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import monetj.core.dist.KeyValueStore;
import monetj.xla.pjrt.PjrtStructs.ClientCreateArgs;
import monetj.xla.pjrt.PjrtStructs.KeyValueGetCallbackArgs;
import monetj.xla.pjrt.PjrtStructs.KeyValuePutCallbackArgs;
import monetj.xla.pjrt.PjrtStructs.KeyValueTryGetCallbackArgs;

/**
 * The kv_get, kv_try_get and kv_put callbacks of {@code PJRT_Client_Create}, as upcalls into a
 * {@link KeyValueStore}: a multi-process client exchanges its topology and collective ids through them. They
 * arrive on plugin threads, for the client's whole life, so the stubs live until the client is destroyed.
 * Nothing may unwind into native code: every failure becomes a {@code PJRT_Error} made by the plugin's own
 * {@code callback_error} function (a pointer to a function pointer in the args), and a value handed to the
 * plugin is malloc'ed memory it releases with libc {@code free}, set as the value deleter.
 */
final class KeyValueCallbacks implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor CALLBACK = FunctionDescriptor.of(ADDRESS, ADDRESS);
    /** {@code PJRT_Error* (*)(PJRT_Error_Code, const char*, size_t)}, called through the address read from the args. */
    private static final MethodHandle CALLBACK_ERROR = LINKER.downcallHandle(FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MemorySegment FREE = LINKER.defaultLookup().find("free").orElseThrow();
    private static final MethodHandle MALLOC = LINKER.downcallHandle(LINKER.defaultLookup().find("malloc").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_LONG));
    private static final int CANCELLED = 1, DEADLINE_EXCEEDED = 4, NOT_FOUND = 5, INTERNAL = 13;

    private final KeyValueStore store;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment get, tryGet, put;

    KeyValueCallbacks(KeyValueStore store) {
        this.store = store;
        this.get = stub("get");
        this.tryGet = stub("tryGet");
        this.put = stub("put");
    }

    private MemorySegment stub(String method) {
        try {
            MethodHandle h = MethodHandles.lookup().findVirtual(KeyValueCallbacks.class, method, MethodType.methodType(MemorySegment.class, MemorySegment.class)).bindTo(this);
            return LINKER.upcallStub(h, CALLBACK, arena);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** Sets the three callbacks in a {@code PJRT_Client_Create_Args}. */
    void install(MemorySegment createArgs) {
        createArgs.set(ADDRESS, ClientCreateArgs.KV_GET_CALLBACK, get);
        createArgs.set(ADDRESS, ClientCreateArgs.KV_PUT_CALLBACK, put);
        createArgs.set(ADDRESS, ClientCreateArgs.KV_TRY_GET_CALLBACK, tryGet);
    }

    private MemorySegment get(MemorySegment argsAddress) {
        MemorySegment a = argsAddress.reinterpret(KeyValueGetCallbackArgs.STRUCT_SIZE);
        try {
            String key = key(a, KeyValueGetCallbackArgs.KEY, KeyValueGetCallbackArgs.KEY_SIZE);
            int timeout = a.get(JAVA_INT, KeyValueGetCallbackArgs.TIMEOUT_IN_MS);
            byte[] value = store.get(key, Duration.ofMillis(Math.max(0, timeout)));
            giveValue(a, KeyValueGetCallbackArgs.VALUE, KeyValueGetCallbackArgs.VALUE_SIZE, KeyValueGetCallbackArgs.VALUE_DELETER_CALLBACK, value);
            return MemorySegment.NULL;
        } catch (Throwable t) {
            return error(a.get(ADDRESS, KeyValueGetCallbackArgs.CALLBACK_ERROR), t, "kv_get");
        }
    }

    private MemorySegment tryGet(MemorySegment argsAddress) {
        MemorySegment a = argsAddress.reinterpret(KeyValueTryGetCallbackArgs.STRUCT_SIZE);
        try {
            String key = key(a, KeyValueTryGetCallbackArgs.KEY, KeyValueTryGetCallbackArgs.KEY_SIZE);
            Optional<byte[]> value = store.tryGet(key);
            if (value.isEmpty()) return error(a.get(ADDRESS, KeyValueTryGetCallbackArgs.CALLBACK_ERROR), NOT_FOUND, "kv_try_get: key " + key + " is not set");
            giveValue(a, KeyValueTryGetCallbackArgs.VALUE, KeyValueTryGetCallbackArgs.VALUE_SIZE, KeyValueTryGetCallbackArgs.VALUE_DELETER_CALLBACK, value.get());
            return MemorySegment.NULL;
        } catch (Throwable t) {
            return error(a.get(ADDRESS, KeyValueTryGetCallbackArgs.CALLBACK_ERROR), t, "kv_try_get");
        }
    }

    private MemorySegment put(MemorySegment argsAddress) {
        MemorySegment a = argsAddress.reinterpret(KeyValuePutCallbackArgs.STRUCT_SIZE);
        try {
            String key = key(a, KeyValuePutCallbackArgs.KEY, KeyValuePutCallbackArgs.KEY_SIZE);
            long size = a.get(JAVA_LONG, KeyValuePutCallbackArgs.VALUE_SIZE);
            byte[] value = size == 0 ? new byte[0] : a.get(ADDRESS, KeyValuePutCallbackArgs.VALUE).reinterpret(size).toArray(JAVA_BYTE);
            store.put(key, value);
            return MemorySegment.NULL;
        } catch (Throwable t) {
            return error(a.get(ADDRESS, KeyValuePutCallbackArgs.CALLBACK_ERROR), t, "kv_put");
        }
    }

    /** Keys are bytes; one byte per char keeps any byte sequence intact. */
    private static String key(MemorySegment a, long keyAt, long sizeAt) {
        long size = a.get(JAVA_LONG, sizeAt);
        if (size == 0) return "";
        return new String(a.get(ADDRESS, keyAt).reinterpret(size).toArray(JAVA_BYTE), StandardCharsets.ISO_8859_1);
    }

    /** The value in malloc'ed memory, which the plugin frees through the deleter (libc free) once it has copied it. */
    private static void giveValue(MemorySegment a, long valueAt, long sizeAt, long deleterAt, byte[] value) throws Throwable {
        MemorySegment copy = ((MemorySegment) MALLOC.invokeExact((long) Math.max(1, value.length))).reinterpret(Math.max(1, value.length));
        if (copy.equals(MemorySegment.NULL)) throw new OutOfMemoryError("malloc of " + value.length + " bytes for a kv value failed");
        MemorySegment.copy(value, 0, copy, JAVA_BYTE, 0, value.length);
        a.set(ADDRESS, valueAt, copy);
        a.set(JAVA_LONG, sizeAt, value.length);
        a.set(ADDRESS, deleterAt, FREE);
    }

    private static MemorySegment error(MemorySegment callbackError, Throwable t, String what) {
        if (t instanceof InterruptedException) Thread.currentThread().interrupt();
        int code = t instanceof TimeoutException ? DEADLINE_EXCEEDED : t instanceof InterruptedException ? CANCELLED : INTERNAL;
        String message = t.getMessage() == null ? t.toString() : t.getMessage();
        return error(callbackError, code, what + ": " + message);
    }

    /** A PJRT_Error made by the plugin's callback_error; NULL only where the plugin gave no such function. */
    private static MemorySegment error(MemorySegment callbackError, int code, String message) {
        try (Arena scratch = Arena.ofConfined()) { // the plugin copies the message into its error
            if (callbackError.equals(MemorySegment.NULL)) return MemorySegment.NULL;
            MemorySegment fn = callbackError.reinterpret(ADDRESS.byteSize()).get(ADDRESS, 0);
            if (fn.equals(MemorySegment.NULL)) return MemorySegment.NULL;
            byte[] text = message.getBytes(StandardCharsets.UTF_8);
            MemorySegment chars = scratch.allocateFrom(JAVA_BYTE, text);
            return (MemorySegment) CALLBACK_ERROR.invokeExact(fn, code, chars, (long) text.length);
        } catch (Throwable t) {
            return MemorySegment.NULL; // nothing better can be returned without unwinding into the plugin
        }
    }

    /** Only after the client is destroyed: the plugin may call until then. */
    @Override
    public void close() { arena.close(); }
}
