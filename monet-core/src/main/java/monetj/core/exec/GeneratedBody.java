package monetj.core.exec;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A generated loop body and whether the JIT has compiled it. Until C2 compiles a body, each of its lane operations
 * runs as a boxed call (interpreted or C1 code: tens to hundreds of nanoseconds a vector, slower than the
 * interpreter by far), and every distinct body warms up on its own. So fused loops run the interpreter until a
 * background thread, which starts on a body the second time a loop of it runs (programs run once never pay), has
 * seen its calls run at compiled speed on scratch arrays; both give the same bits, so the switch is invisible.
 */
final class GeneratedBody {
    /** Elements of one warm-up call: a few vectors, so that calls, not loop iterations, make the JIT compile the method. */
    private static final int SCRATCH = 4 * FusedLanes.LANES;
    /** Compiled speed: under this many nanoseconds per element and operation of the body (boxed calls take 10-100 times more). */
    private static final double COMPILED_NS = 0.5;
    /**
     * A body not at compiled speed by then stays interpreted (some never get there: the demo's bf16-mixed step has two).
     * After each slow round the thread rests as long as the round took, so such a body takes at most half a core.
     */
    private static final long GIVE_UP_NS = 10_000_000_000L;
    private static final LinkedBlockingQueue<GeneratedBody> WAITING = new LinkedBlockingQueue<>();

    static {
        Thread t = new Thread(GeneratedBody::warmUpForever, "monet-fused-loop-warm-up");
        t.setDaemon(true);
        t.start();
    }

    final FusedBody body;
    private final List<FusedCodegen.Access> leafAccess, outputAccess;
    private final int operations; // loads, lane operations and stores per element
    private final AtomicInteger runs = new AtomicInteger();
    private volatile boolean compiled;

    GeneratedBody(FusedBody body, List<FusedCodegen.Access> leafAccess, List<FusedCodegen.Access> outputAccess, int weight) {
        this.body = body;
        this.leafAccess = leafAccess;
        this.outputAccess = outputAccess;
        operations = leafAccess.size() + weight + outputAccess.size();
    }

    /** Whether the JIT has compiled the body (seen by the warm-up thread). */
    boolean compiled() { return compiled; }

    /** Counts a run of a loop of this body: on the second, the warm-up begins. */
    void ran() {
        if (runs.incrementAndGet() == 2) WAITING.add(this);
    }

    private static void warmUpForever() {
        while (true) {
            try {
                GeneratedBody b = WAITING.take();
                b.compiled = b.warmUp();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Runs the body on scratch arrays of ones until its calls take compiled time, or gives up (it stays interpreted). */
    private boolean warmUp() {
        Object[] arrays = new Object[leafAccess.size() + outputAccess.size()];
        for (int k = 0; k < arrays.length; k++) {
            FusedCodegen.Access a = k < leafAccess.size() ? leafAccess.get(k) : outputAccess.get(k - leafAccess.size());
            if (a == FusedCodegen.Access.BF16) {
                short[] s = new short[SCRATCH];
                Arrays.fill(s, (short) 0x3F80); // 1 in bf16
                arrays[k] = s;
            } else {
                float[] f = new float[SCRATCH];
                Arrays.fill(f, 1f);
                arrays[k] = f;
            }
        }
        long deadline = System.nanoTime() + GIVE_UP_NS;
        int calls = 200;
        while (System.nanoTime() < deadline) {
            long t0 = System.nanoTime();
            for (int c = 0; c < calls; c++) body.run(arrays, 0, SCRATCH);
            double perOperation = (double) (System.nanoTime() - t0) / calls / SCRATCH / operations;
            if (perOperation < COMPILED_NS) return true;
            try {
                Thread.sleep(Math.max(1, (System.nanoTime() - t0) / 1_000_000));
            } catch (InterruptedException e) {
                return false;
            }
        }
        return false;
    }
}
