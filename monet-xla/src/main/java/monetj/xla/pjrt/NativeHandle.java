package monetj.xla.pjrt;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * Ownership of one PJRT object (client, buffer, executable). {@link #close} destroys it; if the Java object
 * becomes unreachable first, a {@link Cleaner} destroys it instead. Either way the destroy function runs
 * exactly once. {@code keepAlive} (e.g. the client of a buffer) stays reachable until this object is
 * destroyed, so a client is never destroyed before the buffers and executables made from it.
 */
abstract class NativeHandle implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final MemorySegment address;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean closed;

    NativeHandle(PjrtApi api, MemorySegment address, PjrtFunction destroy, long structSize, long field, Object keepAlive) {
        this.address = address;
        this.cleanable = CLEANER.register(this, new Destroy(api, address.address(), destroy, structSize, field, keepAlive));
        if (keepAlive instanceof PjrtClient client) client.adopt(this);
    }

    /** The PJRT pointer; fails once released, so a stale handle never reaches the plugin. */
    MemorySegment address() {
        if (closed) throw new IllegalStateException(getClass().getSimpleName() + " was already released");
        return address;
    }

    boolean isClosed() { return closed; }

    @Override
    public void close() {
        closed = true;
        cleanable.clean(); // runs the destroy at most once, whether called here or by the Cleaner
    }

    /**
     * Must not refer to the handle object itself, or it would never become unreachable. An exception reaches
     * the caller of close(); the Cleaner ignores exceptions of actions it runs itself.
     */
    private record Destroy(PjrtApi api, long address, PjrtFunction function, long structSize, long field, Object keepAlive) implements Runnable {
        /** Destroy args have no output fields, so each thread can reuse one block (both fields are rewritten). */
        private static final long SCRATCH_SIZE = 32;
        private static final ThreadLocal<MemorySegment> SCRATCH = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(SCRATCH_SIZE, 8));

        @Override
        public void run() {
            if (structSize > SCRATCH_SIZE || field + 8 > structSize) throw new IllegalStateException("destroy args of " + function.cName + " do not fit");
            MemorySegment a = SCRATCH.get().asSlice(0, structSize);
            a.fill((byte) 0);
            a.set(java.lang.foreign.ValueLayout.JAVA_LONG, PjrtStructs.STRUCT_SIZE_FIELD, structSize);
            a.set(java.lang.foreign.ValueLayout.ADDRESS, field, MemorySegment.ofAddress(address));
            api.call(function, a);
        }
    }
}
