package monetj.xla.pjrt;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * Ownership of one PJRT object (client, buffer, executable). {@link #close} destroys it; if the Java object
 * becomes unreachable first, a {@link Cleaner} destroys it instead. Either way the destroy function runs
 * exactly once. A buffer or executable is a child of its client ({@code keepAlive}): the client keeps each
 * child's destroy action strongly until it ran, so closing the client destroys every child first, and a child's
 * destroy never runs concurrently with or after the client's ({@link PjrtClient#destroyChild}).
 */
abstract class NativeHandle implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final MemorySegment address;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean closed;

    NativeHandle(PjrtApi api, MemorySegment address, PjrtFunction destroy, long structSize, long field, Object keepAlive) {
        this.address = address;
        Destroy action = new Destroy(api, address.address(), destroy, structSize, field, keepAlive);
        if (keepAlive instanceof PjrtClient client) client.adopt(action);
        this.cleanable = CLEANER.register(this, action);
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
     * Must not refer to the handle object itself, or it would never become unreachable. The native destroy runs at
     * most once, from close(), the Cleaner, or the client's close. An exception reaches the caller of close(); the
     * Cleaner ignores exceptions of actions it runs itself.
     */
    static final class Destroy implements Runnable {
        /** Destroy args have no output fields, so each thread can reuse one block (both fields are rewritten). */
        private static final long SCRATCH_SIZE = 32;
        private static final ThreadLocal<MemorySegment> SCRATCH = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(SCRATCH_SIZE, 8));

        private final PjrtApi api;
        private final long address;
        private final PjrtFunction function;
        private final long structSize, field;
        private final Object keepAlive;

        Destroy(PjrtApi api, long address, PjrtFunction function, long structSize, long field, Object keepAlive) {
            this.api = api;
            this.address = address;
            this.function = function;
            this.structSize = structSize;
            this.field = field;
            this.keepAlive = keepAlive;
        }

        @Override
        public void run() {
            if (keepAlive instanceof PjrtClient client) client.destroyChild(this); // at most once: the client's set decides
            else destroyNow(); // a client: Cleanable.clean() runs this at most once
        }

        void destroyNow() {
            if (structSize > SCRATCH_SIZE || field + 8 > structSize) throw new IllegalStateException("destroy args of " + function.cName + " do not fit");
            MemorySegment a = SCRATCH.get().asSlice(0, structSize);
            a.fill((byte) 0);
            a.set(java.lang.foreign.ValueLayout.JAVA_LONG, PjrtStructs.STRUCT_SIZE_FIELD, structSize);
            a.set(java.lang.foreign.ValueLayout.ADDRESS, field, MemorySegment.ofAddress(address));
            api.call(function, a);
        }
    }
}
