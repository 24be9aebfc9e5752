package monetj.core.exec;

import java.util.ArrayList;
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
 * The thread takes its bodies in turn, a round of calls each, rather than one after another to the end: a body
 * waits for the JIT's queue (seconds while a step program warms up) and one that never gets there, or gets there
 * late, held every body behind it (a third of the demo step's loops were still interpreted after 20 steps).
 */
final class GeneratedBody {
    /** Elements of one warm-up call: a few vectors, so that calls, not loop iterations, make the JIT compile the method. */
    private static final int SCRATCH = 4 * FusedLanes.LANES;
    private static final int CALLS_PER_ROUND = 200;
    /** Compiled speed: under this many nanoseconds per element and operation of the body (boxed calls take 10-100 times more). */
    private static final double COMPILED_NS = 0.5;
    /**
     * A body not at compiled speed after this long and this many rounds stays interpreted (a body C2 gives up on never
     * gets there). Generous: the JIT raises its thresholds with the length of its queue, and on a busy machine
     * (three builds beside a bf16-mixed bench) 17 of 60 bodies were still uncompiled after 10 s and 100 rounds.
     */
    private static final long GIVE_UP_NS = 60_000_000_000L;
    private static final int GIVE_UP_ROUNDS = 300;
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
    // the warm-up's own state, touched by its thread alone
    private Object[] scratch;
    private long warmingSince;
    private int rounds;

    GeneratedBody(FusedBody body, List<FusedCodegen.Access> leafAccess, List<FusedCodegen.Access> outputAccess, int laneOperations) {
        this.body = body;
        this.leafAccess = leafAccess;
        this.outputAccess = outputAccess;
        operations = leafAccess.size() + laneOperations + outputAccess.size();
    }

    /** Whether the JIT has compiled the body (seen by the warm-up thread). */
    boolean compiled() { return compiled; }

    /** Counts a run of a loop of this body: on the second, the warm-up begins. */
    void ran() {
        if (runs.incrementAndGet() == 2) WAITING.add(this);
    }

    /**
     * A round of every body still warming up, then a rest as long as the pass took (the thread takes at most half a
     * core, while the JIT compiles what the rounds asked for).
     */
    private static void warmUpForever() {
        List<GeneratedBody> warming = new ArrayList<>();
        while (true) {
            try {
                if (warming.isEmpty()) warming.add(WAITING.take());
                WAITING.drainTo(warming);
                long t0 = System.nanoTime();
                warming.removeIf(GeneratedBody::warmUpRound);
                Thread.sleep(Math.max(1, (System.nanoTime() - t0) / 1_000_000));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One round of calls on scratch arrays of ones; true when done: compiled, or given up on (it stays interpreted). */
    private boolean warmUpRound() {
        if (scratch == null) {
            scratch = scratchArrays();
            warmingSince = System.nanoTime();
        }
        long t0 = System.nanoTime();
        for (int c = 0; c < CALLS_PER_ROUND; c++) body.run(scratch, 0, SCRATCH);
        double perOperation = (double) (System.nanoTime() - t0) / CALLS_PER_ROUND / SCRATCH / operations;
        compiled = perOperation < COMPILED_NS;
        boolean done = compiled || ++rounds >= GIVE_UP_ROUNDS && System.nanoTime() - warmingSince > GIVE_UP_NS;
        if (done) scratch = null;
        return done;
    }

    private Object[] scratchArrays() {
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
        return arrays;
    }
}
