package monetj.core.exec;

import static monetj.core.exec.F32MicroKernel.MR;
import static monetj.core.exec.F32MicroKernel.NR;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batched f32 matrix product C[b] = A[b] * B[b] with C row-major, written over whatever it holds, and A, B in
 * any {@link MatrixLayout}.
 *
 * <p>The classic blocked scheme: a KC x NC block of B is packed into NR-wide column panels that stay in L2,
 * an MC x KC block of A into MR-high row panels; the micro-kernel then runs each A panel (small enough for L1)
 * against every B panel. Packing is where layouts are absorbed, so transposed operands cost nothing extra, and
 * it zero-pads ragged edges so the micro-kernel always computes whole tiles.
 *
 * <p>Threads share the work in one of four ways: whole matrices when the batch is large enough; for a matrix
 * whose depth dwarfs its result, depth segments, each adding into its own partial result; for a
 * taller-than-wide matrix, rows of A split among threads that share each packed block of B; for a wider one,
 * column ranges, each thread packing its own columns of B. Batches of tiny matrices go to {@link F32SmallProduct}
 * and products with fewer than {@link #DIRECT_BELOW_ROWS} rows to {@link F32DirectProduct}: packing would not pay for itself.
 */
final class F32Gemm {
    /** Depth of one packed block: an A panel of MR x KC floats fits in L1 with room for streaming B. */
    static final int KC = 256;
    /** Width of one packed B block: KC x NC floats (512 KiB) fit in a 1 MiB L2. */
    static final int NC = 512;
    /** Height of one packed A block (MC x KC floats); it only sets how often A is repacked, the kernel reads one MR panel at a time. */
    static final int MC = 120;
    /**
     * The height of a packed A block when A's rows are its contiguous direction (A given transposed, as the
     * weight gradient through the vocabulary table reads the logits' gradient): each depth step then packs one
     * run of this many floats from a different row of storage, and runs of MC (480 bytes, a new page each) left the
     * block's packing waiting on memory. 504 x KC floats (504 KiB) still fit in L2 beside a block of B.
     */
    static final int MC_CONTIGUOUS_ROWS = 42 * MR;
    /**
     * Products with fewer rows go to {@link F32DirectProduct}, which reads B once per row of C (measured to beat
     * packing when the tile had six rows). With the 12-row tile, 6-11 rows stay on the packed path as a padded tile
     * (e.g. [8,128] x [128,32000]: 1.8-3.8 ms, as fast as the six-row tile was) instead of reading B up to 11 times.
     */
    static final int DIRECT_BELOW_ROWS = 6;
    /** Below this many multiply-adds (some 25 us on one core) waking pool threads costs more than it saves. */
    static final long PARALLEL_THRESHOLD = 1L << 20;
    /** Depth of one segment when threads split the depth of a product: 16 packed blocks. */
    static final int DEPTH_SEGMENT = 16 * KC;
    /**
     * The largest result (floats, 256 KiB) whose product may be split by depth: every depth block adds into the
     * whole partial result, which must stay in L2 beside the packed block of B.
     */
    static final long DEPTH_SPLIT_MAX_RESULT = 1L << 16;
    /** The most floats of A packed whole (512 KiB): with a 512 KiB block of B, within a 2 MiB L2. */
    private static final long WHOLE_A_MAX = 1L << 17;
    /** Pieces per thread when one matrix is split: enough for threads on unevenly loaded cores to even out. */
    private static final int PIECES_PER_THREAD = 8;

    /** A depth step of an A panel (MR = 12 values) moves as one 8-lane and one 4-lane vector. */
    private static final VectorSpecies<Float> A_HEAD = FloatVector.SPECIES_256, A_TAIL = FloatVector.SPECIES_128;
    private static final int A_HEAD_LANES = A_HEAD.length();

    static {
        if (A_HEAD_LANES + A_TAIL.length() != MR) throw new AssertionError("an A panel's depth step is not one 8- and one 4-lane vector");
    }

    private F32Gemm() {}

    /**
     * The operands and result of one batched product: each operand f32 ({@code a}, {@code b}) or bf16 bits ({@code aBits},
     * {@code bBits}), the other null. In a product of bf16 values ({@code rounds}) an f32 operand is rounded to bf16 as it
     * is packed.
     */
    private record Product(float[] a, short[] aBits, MatrixLayout la, float[] b, short[] bBits, MatrixLayout lb, boolean rounds, float[] c, int m, int k,
            int n) {
        int cBase(int bi) { return bi * m * n; }

        /**
         * Rows [i0, i0 + mc) x depth [p0, p0 + kc) of matrix bi of A into panels from {@code pack[at]} on (see the
         * packA below). bf16 A is first widened into {@code w}'s scratch in its own orientation, whole vectors along
         * its contiguous direction, and then packed as f32.
         */
        void packA(int bi, int i0, int mc, int p0, int kc, float[] pack, int at, Workspace w) {
            int rs = la.rowStride(), cs = la.colStride(), from = la.offset(bi) + i0 * rs + p0 * cs;
            if (a != null) {
                F32Gemm.packA(a, from, rs, cs, mc, kc, pack, at, rounds);
            } else if (cs == 1) {
                float[] wide = w.aWide(mc * kc);
                for (int i = 0; i < mc; i++) Bf16Widen.widen(aBits, from + i * rs, wide, i * kc, kc);
                F32Gemm.packA(wide, 0, kc, 1, mc, kc, pack, at, false);
            } else if (rs == 1) {
                float[] wide = w.aWide(mc * kc);
                for (int q = 0; q < kc; q++) Bf16Widen.widen(aBits, from + q * cs, wide, q * mc, mc);
                F32Gemm.packA(wide, 0, 1, mc, mc, kc, pack, at, false);
            } else {
                F32Gemm.packA(aBits, from, rs, cs, mc, kc, pack, at);
            }
        }

        /** Rows of A rounded up to whole register tiles: the height of A packed whole. */
        int paddedRows() { return Math.ceilDiv(m, MR) * MR; }

        /**
         * Whether A is packed once for the whole matrix instead of once per column block of B: where it is packed,
         * C spans several column blocks and packed A fits in L2 beside a block of B. For the logits ([512, 128] times
         * a 32000-row table) the per-block packing came to some 60 copies of A.
         */
        boolean packsAWhole() {
            return n > NC && (long) paddedRows() * k <= WHOLE_A_MAX;
        }

        /** All of matrix bi of A packed: depth block [pc, pc + KC) at {@code pc * paddedRows()}, its panels as {@link #packA} lays them out. */
        float[] packWholeA(int bi) {
            float[] pack = new float[paddedRows() * k];
            Workspace w = Workspace.forThread();
            for (int pc = 0; pc < k; pc += KC) packA(bi, 0, m, pc, Math.min(KC, k - pc), pack, pc * paddedRows(), w);
            return pack;
        }

        /** Depth [p0, p0 + kc) x columns [j0, j0 + nc) of matrix bi of B into panels from {@code pack[at]} on (see the packB below). */
        void packB(int bi, int p0, int kc, int j0, int nc, float[] pack, int at) {
            if (b != null) F32Gemm.packB(b, lb.offset(bi), lb.rowStride(), lb.colStride(), p0, kc, j0, nc, pack, at, rounds);
            else F32Gemm.packB(bBits, lb.offset(bi), lb.rowStride(), lb.colStride(), p0, kc, j0, nc, pack, at);
        }
    }

    /**
     * The product of bf16 operands (bit patterns), accumulated in f32: each element is widened to f32 as it is
     * packed, so no f32 copy of an operand is ever made. Products too small to pack widen their operands first.
     */
    static void multiplyBf16(short[] a, MatrixLayout la, short[] b, MatrixLayout lb, float[] c, int m, int k, int n, int threads) {
        multiplyBf16(null, a, la, null, b, lb, c, m, k, n, threads);
    }

    /**
     * The product of bf16 values where an operand may come as f32 instead ({@code a} or {@code b} given, its bits null):
     * it is rounded to bf16 as it is packed, so the product has the bits of one with that operand converted first,
     * and the bf16 copy is never written.
     */
    static void multiplyBf16(float[] a, short[] aBits, MatrixLayout la, float[] b, short[] bBits, MatrixLayout lb, float[] c, int m, int k, int n,
            int threads) {
        if (k == 0 || m < DIRECT_BELOW_ROWS || F32SmallProduct.suits(m, k, n)) {
            multiply(bf16Values(a, aBits), la, bf16Values(b, bBits), lb, c, m, k, n, threads);
            return;
        }
        run(new Product(a, aBits, la, b, bBits, lb, true, c, m, k, n), threads);
    }

    /** The f32 values of an operand of a bf16 product: its bits widened, or its f32 values rounded. */
    private static float[] bf16Values(float[] f32, short[] bits) {
        float[] f = new float[bits != null ? bits.length : f32.length];
        if (bits != null) Bf16Widen.widen(bits, 0, f, 0, bits.length);
        else Bf16Lanes.round(f32, f, f32.length);
        return f;
    }

    /**
     * C[b] (m x n, row-major, batch stride m * n, any contents on entry) = A[b] (m x k) * B[b] (k x n), on up to
     * {@code threads} threads of the fork-join pool. Every element of C is written: the packed product stores its
     * first depth block, and the unpacked ones, which add into C, clear their matrices of C first (small, so that
     * costs little beside their arithmetic; the result of a vocabulary product is not cleared at all).
     */
    static void multiply(float[] a, MatrixLayout la, float[] b, MatrixLayout lb, float[] c, int m, int k, int n, int threads) {
        int batch = la.batch();
        if (batch == 0 || m == 0 || n == 0) return;
        if (k == 0) {
            Arrays.fill(c, 0, batch * m * n, 0f);
            return;
        }
        long work = (long) batch * m * n * k;
        boolean serial = threads <= 1 || work < PARALLEL_THRESHOLD;
        if (F32SmallProduct.suits(m, k, n)) {
            F32SmallProduct.plan(m, k, n, la, lb).multiply(a, b, c, threads); // writes each element of C once
            return;
        }
        if (m < DIRECT_BELOW_ROWS) {
            Parallel.RangeBody matrices = (lo, hi) -> {
                Arrays.fill(c, lo * m * n, hi * m * n, 0f);
                F32DirectProduct.multiply(a, la, b, lb, c, m, k, n, lo, hi, serial || batch > 1 ? 1 : threads);
            };
            if (serial || batch == 1) matrices.run(0, batch);
            else Parallel.forRange(batch, matricesPerChunk(m, k, n), matrices);
            return;
        }
        run(new Product(a, null, la, b, null, lb, false, c, m, k, n), threads);
    }

    /** Matrices per parallel chunk: enough multiply-adds that a chunk costs more than handing it to a thread. */
    static int matricesPerChunk(int m, int k, int n) {
        return (int) Math.max(1, PARALLEL_THRESHOLD / 16 / ((long) m * k * n));
    }

    /** A product with at least DIRECT_BELOW_ROWS rows and some depth, split among threads by matrices, depth segments, rows or columns. */
    private static void run(Product p, int threads) {
        int batch = p.la.batch();
        if (batch == 0 || p.m == 0 || p.n == 0) return;
        boolean serial = threads <= 1 || (long) batch * p.m * p.n * p.k < PARALLEL_THRESHOLD;
        if (serial) {
            for (int bi = 0; bi < batch; bi++) matrix(p, bi, 1);
        } else if (batch >= 2 * threads) {
            SharedTaskCounter.run(threads, batch, bi -> matrix(p, bi, 1));
        } else {
            for (int bi = 0; bi < batch; bi++) matrix(p, bi, threads);
        }
    }

    /** Matrix bi of the product on up to {@code threads} threads. */
    private static void matrix(Product p, int bi, int threads) {
        if (depthSegments(p.k) > 1 && (long) p.m * p.n <= DEPTH_SPLIT_MAX_RESULT) depthSegmented(p, bi, threads);
        else if (threads == 1) block(p, bi, 0, p.n, 0, p.k, p.packsAWhole() ? p.packWholeA(bi) : null, p.c, p.cBase(bi), Workspace.forThread());
        else if (Math.ceilDiv(p.m, MR) >= Math.ceilDiv(p.n, NR)) rowsInParallel(p, bi, threads);
        else columnsInParallel(p, bi, threads);
    }

    /**
     * One matrix, taller than wide: threads take ranges of A's rows, in one parallel region. Each block of B
     * is packed once, by whichever thread reaches it first, into a buffer all of them read.
     */
    private static void rowsInParallel(Product p, int bi, int threads) {
        int rowPanels = Math.ceilDiv(p.m, MR), step = Math.max(1, Math.ceilDiv(rowPanels, threads * PIECES_PER_THREAD));
        SharedPackedB shared = new SharedPackedB(p, bi);
        SharedTaskCounter.run(threads, Math.ceilDiv(rowPanels, step), piece -> {
            Workspace w = Workspace.forThread();
            int i0 = piece * step * MR, i1 = Math.min(p.m, (piece + 1) * step * MR), block = 0;
            for (int jc = 0; jc < p.n; jc += NC) {
                int nc = Math.min(NC, p.n - jc);
                for (int pc = 0; pc < p.k; pc += KC, block++) {
                    int kc = Math.min(KC, p.k - pc);
                    int offset = shared.ready(block, jc, nc, pc, kc);
                    rowsAgainstPackedB(p, bi, i0, i1, jc, nc, pc, kc, pc == 0, null, shared.pack, offset, p.c, p.cBase(bi), w);
                }
            }
        });
        shared.release();
    }

    /**
     * All of one matrix's B in packed blocks (ordered by column block, then depth block), each packed on first
     * use. A thread that needs a block another thread is still packing waits for it: a few tens of
     * microseconds at most, against a wake-up of the whole pool per block if packing were a separate step.
     */
    private static final class SharedPackedB {
        private static final int ABSENT = 0, PACKING = 1, READY = 2;
        /** Buffers up to this many floats (16 MiB) are kept for the next product instead of being reallocated. */
        private static final int SPARE_LIMIT = 1 << 22;
        private static final AtomicReference<float[]> SPARE = new AtomicReference<>();

        private final Product p;
        private final int bi;
        final float[] pack;
        private final int[] offsets;
        private final AtomicIntegerArray state;

        SharedPackedB(Product p, int bi) {
            this.p = p;
            this.bi = bi;
            int blocks = Math.ceilDiv(p.n, NC) * Math.ceilDiv(p.k, KC);
            offsets = new int[blocks];
            state = new AtomicIntegerArray(blocks);
            int size = 0, block = 0;
            for (int jc = 0; jc < p.n; jc += NC) {
                for (int pc = 0; pc < p.k; pc += KC) {
                    offsets[block++] = size;
                    size = Math.addExact(size, Math.ceilDiv(Math.min(NC, p.n - jc), NR) * NR * Math.min(KC, p.k - pc));
                }
            }
            float[] spare = SPARE.getAndSet(null);
            pack = spare != null && spare.length >= size ? spare : new float[size];
        }

        /** Where block {@code block} (columns [jc, jc + nc), depth [pc, pc + kc)) starts in {@link #pack}, once it is packed. */
        int ready(int block, int jc, int nc, int pc, int kc) {
            if (state.get(block) != READY) {
                if (state.compareAndSet(block, ABSENT, PACKING)) {
                    p.packB(bi, pc, kc, jc, nc, pack, offsets[block]);
                    state.set(block, READY);
                } else {
                    while (state.get(block) != READY) Thread.onSpinWait();
                }
            }
            return offsets[block];
        }

        /** Offers the buffer to the next product; a product running concurrently just allocates its own. */
        void release() {
            if (pack.length <= SPARE_LIMIT) SPARE.set(pack);
        }
    }

    /** One matrix, wider than tall: threads take column ranges, each packing its own part of B (and sharing A, where it is packed whole). */
    private static void columnsInParallel(Product p, int bi, int threads) {
        int colPanels = Math.ceilDiv(p.n, NR), step = Math.max(1, Math.ceilDiv(colPanels, threads * PIECES_PER_THREAD));
        float[] aWhole = p.packsAWhole() ? p.packWholeA(bi) : null;
        SharedTaskCounter.run(threads, Math.ceilDiv(colPanels, step),
                piece -> block(p, bi, piece * step * NR, Math.min(p.n, (piece + 1) * step * NR), 0, p.k, aWhole, p.c, p.cBase(bi), Workspace.forThread()));
    }

    /**
     * A matrix whose depth dwarfs its result (a projection's weight gradient, or a gradient through the
     * vocabulary table): threads take depth segments, so each packed block of B is used by every row while it
     * is in L2 instead of streaming all of B once per row range. Segment s adds into its own partial result
     * (segment 0 into C), and the partials are added into C in segment order: the segments follow from the
     * shape alone, so the sum is the same whatever the number of threads.
     */
    private static void depthSegmented(Product p, int bi, int threads) {
        int segments = depthSegments(p.k), size = p.m * p.n, cBase = p.cBase(bi);
        float[][] partial = new float[segments][];
        SharedTaskCounter.run(threads, segments, s -> {
            int k0 = s * DEPTH_SEGMENT, k1 = Math.min(p.k, k0 + DEPTH_SEGMENT);
            if (s == 0) {
                block(p, bi, 0, p.n, k0, k1, null, p.c, cBase, Workspace.forThread());
            } else {
                partial[s] = new float[size];
                block(p, bi, 0, p.n, k0, k1, null, partial[s], 0, Workspace.forThread());
            }
        });
        for (int s = 1; s < segments; s++) addInto(p.c, cBase, partial[s], size);
    }

    /** c[cBase, cBase + size) += x[0, size). */
    private static void addInto(float[] c, int cBase, float[] x, int size) {
        var species = F32MicroKernel.SPECIES;
        int i = 0;
        for (int bound = species.loopBound(size); i < bound; i += species.length()) {
            FloatVector.fromArray(species, c, cBase + i).add(FloatVector.fromArray(species, x, i)).intoArray(c, cBase + i);
        }
        for (; i < size; i++) c[cBase + i] += x[i];
    }

    /** Depth segments of a product, or 1 where splitting the depth does not pay (see {@link #depthSegmented}). */
    static int depthSegments(int k) {
        return k >= 2 * DEPTH_SEGMENT ? Math.ceilDiv(k, DEPTH_SEGMENT) : 1;
    }

    /**
     * All rows and columns [j0, j1) of matrix bi at depth [k0, k1), written into {@code c} from {@code cBase} (row
     * stride n), on the calling thread; A from {@code aWhole} (see {@link Product#packWholeA}) unless that is null.
     */
    private static void block(Product p, int bi, int j0, int j1, int k0, int k1, float[] aWhole, float[] c, int cBase, Workspace w) {
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = k0; pc < k1; pc += KC) {
                int kc = Math.min(KC, k1 - pc);
                float[] bPack = w.bPack(kc, nc);
                p.packB(bi, pc, kc, jc, nc, bPack, 0);
                rowsAgainstPackedB(p, bi, 0, p.m, jc, nc, pc, kc, pc == k0, aWhole, bPack, 0, c, cBase, w);
            }
        }
    }

    /**
     * Rows [i0, i1) of C's columns [jc, jc + nc) += A's rows [i0, i1) at depth [pc, pc + kc) times the B block
     * packed at {@code bPack[bBase...]}; C is {@code c} from {@code cBase} on, row stride n. On the {@code first}
     * depth block of a result, tiles store instead of adding, so C is neither read nor needs zeros: a product of
     * small depth (the logits) then writes its result once instead of reading and writing it. Bitwise the same as
     * adding to zeros: a sum that starts at +0 is never -0. A comes packed whole in {@code aWhole}, or (null) is
     * packed here a block of rows at a time.
     */
    private static void rowsAgainstPackedB(Product p, int bi, int i0, int i1, int jc, int nc, int pc, int kc, boolean first, float[] aWhole,
            float[] bPack, int bBase, float[] c, int cBase, Workspace w) {
        boolean add = !first;
        int ldc = p.n;
        int blockRows = p.la.rowStride() == 1 && p.la.colStride() != 1 ? MC_CONTIGUOUS_ROWS : MC;
        for (int ic = i0; ic < i1; ic += blockRows) {
            int mc = Math.min(blockRows, i1 - ic);
            float[] aPack = aWhole != null ? aWhole : w.aPack(mc, kc);
            int aPanels = aWhole != null ? pc * p.paddedRows() + ic * kc : 0;
            if (aWhole == null) p.packA(bi, ic, mc, pc, kc, aPack, 0, w);
            for (int ir = 0; ir < mc; ir += MR) {
                int mr = Math.min(MR, mc - ir), aOff = aPanels + ir * kc;
                for (int jr = 0; jr < nc; jr += NR) {
                    int nr = Math.min(NR, nc - jr);
                    int bOff = bBase + jr * kc, cOff = cBase + (ic + ir) * ldc + jc + jr;
                    if (mr == MR && nr == NR) {
                        if (add) F32MicroKernel.tile(aPack, aOff, bPack, bOff, kc, c, cOff, ldc);
                        else F32MicroKernel.tileStore(aPack, aOff, bPack, bOff, kc, c, cOff, ldc);
                    } else {
                        edgeTile(aPack, aOff, bPack, bOff, kc, c, cOff, ldc, mr, nr, add, w.edge);
                    }
                }
            }
        }
    }

    /**
     * Pack buffers, one set per thread and kept between products: allocating (and zeroing) them for every
     * product costs as much as the arithmetic of a mid-sized one. They grow to at most MC_CONTIGUOUS_ROWS x KC (A, and
     * bf16 A widened) and KC x NC floats. Only code that never waits on the pool uses them, so no other task can run on the thread meanwhile.
     */
    private static final class Workspace {
        private static final ThreadLocal<Workspace> PER_THREAD = ThreadLocal.withInitial(Workspace::new);

        private float[] aPack = new float[0], bPack = new float[0], aWide = new float[0];
        final float[] edge = new float[MR * NR];

        static Workspace forThread() { return PER_THREAD.get(); }

        float[] aPack(int mc, int kc) {
            int size = Math.ceilDiv(mc, MR) * MR * kc;
            if (aPack.length < size) aPack = new float[size];
            return aPack;
        }

        /** Room for a block of bf16 A widened to f32 before it is packed (at most MC x KC floats). */
        float[] aWide(int size) {
            if (aWide.length < size) aWide = new float[size];
            return aWide;
        }

        float[] bPack(int kc, int nc) {
            int size = Math.ceilDiv(nc, NR) * NR * kc;
            if (bPack.length < size) bPack = new float[size];
            return bPack;
        }
    }

    /** A ragged tile: computed whole into a scratch tile (the packs are zero-padded), then the valid part added or stored. */
    private static void edgeTile(float[] aPack, int aOff, float[] bPack, int bOff, int kc, float[] c, int cOff, int ldc, int mr, int nr, boolean add,
            float[] t) {
        F32MicroKernel.tileStore(aPack, aOff, bPack, bOff, kc, t, 0, NR);
        putEdge(t, c, cOff, ldc, mr, nr, add);
    }

    /** The valid mr x nr corner of a scratch tile added into C, or stored over it. */
    private static void putEdge(float[] t, float[] c, int cOff, int ldc, int mr, int nr, boolean add) {
        for (int i = 0; i < mr; i++) {
            for (int j = 0; j < nr; j++) c[cOff + i * ldc + j] = add ? c[cOff + i * ldc + j] + t[i * NR + j] : t[i * NR + j];
        }
    }

    /**
     * Packs the mc x kc block of A whose element (i, p) is {@code a[from + i*rs + p*cs]} into MR-high panels from
     * {@code pack[at]} on: panel q holds {@code pack[at + q*MR*kc + p*MR + i]}, a ragged last panel zero-padded.
     * Whole panels of an A with a unit stride move as vectors, a depth step (MR values) at a time: copied where the
     * rows are the contiguous direction (A given transposed), gathered where the depth is. Against reading A in
     * place in the kernel (runtime strides: a bounds check per element) this costs a few percent of the arithmetic
     * even when the block meets only a few panels of B. With {@code round}, the values are rounded to bf16 as they are
     * packed ({@link #packRoundedA}).
     */
    private static void packA(float[] a, int from, int rs, int cs, int mc, int kc, float[] pack, int at, boolean round) {
        if (round) {
            packRoundedA(a, from, rs, cs, mc, kc, pack, at);
            return;
        }
        int whole = mc / MR;
        if (rs == 1) {
            // Depth steps outside, so the reads run along the contiguous rows of storage through the whole block.
            for (int p = 0; p < kc; p++) {
                for (int q = 0, s = from + p * cs, d = at + p * MR; q < whole; q++, s += MR, d += MR * kc) {
                    FloatVector.fromArray(A_HEAD, a, s).intoArray(pack, d);
                    FloatVector.fromArray(A_TAIL, a, s + A_HEAD_LANES).intoArray(pack, d + A_HEAD_LANES);
                }
            }
        } else if (cs == 1) {
            int[] rows = strided(MR, rs);
            for (int q = 0; q < whole; q++) {
                for (int p = 0, s = from + q * MR * rs, d = at + q * MR * kc; p < kc; p++, s++, d += MR) {
                    FloatVector.fromArray(A_HEAD, a, s, rows, 0).intoArray(pack, d);
                    FloatVector.fromArray(A_TAIL, a, s, rows, A_HEAD_LANES).intoArray(pack, d + A_HEAD_LANES);
                }
            }
        } else {
            whole = 0;
        }
        packPanelsOneByOne(a, from, rs, cs, mc, kc, pack, at, whole);
    }

    /**
     * {@link #packA} with each value rounded to bf16, in registers on the vector paths. A method of its own, not a flag
     * tested in packA's loops: with the rounding inlined into the one loop, C2 at times left it running boxed vectors,
     * some 30 times slower.
     */
    private static void packRoundedA(float[] a, int from, int rs, int cs, int mc, int kc, float[] pack, int at) {
        int whole = mc / MR;
        if (rs == 1) {
            for (int p = 0; p < kc; p++) {
                for (int q = 0, s = from + p * cs, d = at + p * MR; q < whole; q++, s += MR, d += MR * kc) {
                    Bf16Lanes.round(FloatVector.fromArray(A_HEAD, a, s)).intoArray(pack, d);
                    Bf16Lanes.round(FloatVector.fromArray(A_TAIL, a, s + A_HEAD_LANES)).intoArray(pack, d + A_HEAD_LANES);
                }
            }
        } else if (cs == 1) {
            int[] rows = strided(MR, rs);
            for (int q = 0; q < whole; q++) {
                for (int p = 0, s = from + q * MR * rs, d = at + q * MR * kc; p < kc; p++, s++, d += MR) {
                    Bf16Lanes.round(FloatVector.fromArray(A_HEAD, a, s, rows, 0)).intoArray(pack, d);
                    Bf16Lanes.round(FloatVector.fromArray(A_TAIL, a, s, rows, A_HEAD_LANES)).intoArray(pack, d + A_HEAD_LANES);
                }
            }
        } else {
            whole = 0;
        }
        packPanelsOneByOne(a, from, rs, cs, mc, kc, pack, at, whole);
        // The panels copied element by element, rounded while they are in L1 (zero padding stays zero).
        for (int q = whole; q * MR < mc; q++) Bf16Lanes.round(pack, at + q * MR * kc, MR * kc);
    }

    /** Panels {@code whole} on of {@link #packA}'s block, element by element, a ragged last panel zero-padded. */
    private static void packPanelsOneByOne(float[] a, int from, int rs, int cs, int mc, int kc, float[] pack, int at, int whole) {
        for (int q = whole; q * MR < mc; q++) {
            int rows = Math.min(MR, mc - q * MR), dst = at + q * MR * kc, src = from + q * MR * rs;
            if (cs <= rs) {
                // Depth is the contiguous direction: read each row along p.
                for (int i = 0; i < rows; i++) {
                    for (int p = 0, s = src + i * rs; p < kc; p++, s += cs) pack[dst + p * MR + i] = a[s];
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    for (int i = 0, s = src + p * cs; i < rows; i++, s += rs) pack[dst + p * MR + i] = a[s];
                }
            }
            if (rows < MR) {
                for (int p = 0; p < kc; p++) Arrays.fill(pack, dst + p * MR + rows, dst + (p + 1) * MR, 0f);
            }
        }
    }

    /**
     * Packs depth [p0, p0 + kc) x columns [j0, j0 + nc) of B into NR-wide panels from {@code pack[at]} on:
     * panel q holds {@code pack[at + q*NR*kc + p*NR + j]}. With {@code round}, the values are rounded to bf16 as they
     * are packed (in registers on the common paths).
     */
    private static void packB(float[] b, int base, int rs, int cs, int p0, int kc, int j0, int nc, float[] pack, int at, boolean round) {
        int[] columnOffsets = null;
        float[] columnRuns = null;
        for (int q = 0; q * NR < nc; q++) {
            int cols = Math.min(NR, nc - q * NR), dst = at + q * NR * kc, src = base + p0 * rs + (j0 + q * NR) * cs;
            boolean rounded = false;
            if (cs == 1 && round && cols == NR) {
                roundPanelRows(b, src, rs, kc, pack, dst);
                rounded = true;
            } else if (round && cols == NR && rs == 1) {
                // As for bf16 bits: each column's depth run rounded a vector at a time into L1, then gathered from there.
                if (columnRuns == null) {
                    columnRuns = new float[NR * kc];
                    columnOffsets = strided(NR, kc);
                }
                for (int j = 0; j < NR; j++) Bf16Lanes.round(b, src + j * cs, columnRuns, j * kc, kc);
                gatherPanel(columnRuns, 0, 1, columnOffsets, kc, pack, dst);
                rounded = true;
            } else if (cs == 1) {
                for (int p = 0; p < kc; p++) System.arraycopy(b, src + p * rs, pack, dst + p * NR, cols);
            } else if (cols == NR && cs > rs) {
                // Depth is the contiguous direction (B given transposed, as in x times a weight table's transpose):
                // each depth step's NR columns gathered as two vectors, instead of NR single stores at stride NR.
                if (columnOffsets == null) columnOffsets = strided(NR, cs);
                if (round) gatherRoundedPanel(b, src, rs, columnOffsets, kc, pack, dst);
                else gatherPanel(b, src, rs, columnOffsets, kc, pack, dst);
                rounded = true;
            } else if (cs < rs) {
                for (int p = 0; p < kc; p++) {
                    for (int j = 0, s = src + p * rs; j < cols; j++, s += cs) pack[dst + p * NR + j] = b[s];
                }
            } else {
                // Depth is the contiguous direction (B given transposed): read each column along p.
                for (int j = 0; j < cols; j++) {
                    for (int p = 0, s = src + j * cs; p < kc; p++, s += rs) pack[dst + p * NR + j] = b[s];
                }
            }
            if (cols < NR) {
                for (int p = 0; p < kc; p++) Arrays.fill(pack, dst + p * NR + cols, dst + (p + 1) * NR, 0f);
            }
            if (round && !rounded) Bf16Lanes.round(pack, dst, NR * kc); // the rare paths: the panel rounded while it is in L1
        }
    }

    /** pack[dst + p*NR + j] = bf16 rounding of b[src + p*rs + j] for p < kc, j < NR: a B panel from rows of storage, two vectors per depth step. */
    private static void roundPanelRows(float[] b, int src, int rs, int kc, float[] pack, int dst) {
        var species = F32MicroKernel.SPECIES;
        int lanes = species.length();
        for (int p = 0, s = src, d = dst; p < kc; p++, s += rs, d += NR) {
            Bf16Lanes.round(FloatVector.fromArray(species, b, s)).intoArray(pack, d);
            Bf16Lanes.round(FloatVector.fromArray(species, b, s + lanes)).intoArray(pack, d + lanes);
        }
    }

    /** pack[dst + p*NR + j] = src[from + p*rs + offsets[j]] for p < kc, j < NR: a B panel, two vector gathers per depth step. */
    private static void gatherPanel(float[] src, int from, int rs, int[] offsets, int kc, float[] pack, int dst) {
        var species = F32MicroKernel.SPECIES;
        int lanes = species.length();
        for (int p = 0, s = from; p < kc; p++, s += rs) {
            FloatVector.fromArray(species, src, s, offsets, 0).intoArray(pack, dst + p * NR);
            FloatVector.fromArray(species, src, s, offsets, lanes).intoArray(pack, dst + p * NR + lanes);
        }
    }

    /** {@link #gatherPanel} with the values rounded to bf16 in registers (a method of its own for the reason {@link #packRoundedA} gives). */
    private static void gatherRoundedPanel(float[] src, int from, int rs, int[] offsets, int kc, float[] pack, int dst) {
        var species = F32MicroKernel.SPECIES;
        int lanes = species.length();
        for (int p = 0, s = from; p < kc; p++, s += rs) {
            Bf16Lanes.round(FloatVector.fromArray(species, src, s, offsets, 0)).intoArray(pack, dst + p * NR);
            Bf16Lanes.round(FloatVector.fromArray(species, src, s, offsets, lanes)).intoArray(pack, dst + p * NR + lanes);
        }
    }

    /** {0, stride, 2 * stride, ...}: n offsets for a strided gather. */
    private static int[] strided(int n, int stride) {
        int[] offsets = new int[n];
        for (int j = 0; j < n; j++) offsets[j] = j * stride;
        return offsets;
    }

    /** {@link #packA(float[], int, int, int, int, int, float[], int, boolean)} from bf16 bit patterns, widened element by element (A with no unit stride). */
    private static void packA(short[] a, int from, int rs, int cs, int mc, int kc, float[] pack, int at) {
        for (int q = 0; q * MR < mc; q++) {
            int rows = Math.min(MR, mc - q * MR), dst = at + q * MR * kc, src = from + q * MR * rs;
            for (int p = 0; p < kc; p++) {
                for (int i = 0, s = src + p * cs; i < rows; i++, s += rs) pack[dst + p * MR + i] = Float.intBitsToFloat((a[s] & 0xFFFF) << 16);
            }
            if (rows < MR) {
                for (int p = 0; p < kc; p++) Arrays.fill(pack, dst + p * MR + rows, dst + (p + 1) * MR, 0f);
            }
        }
    }

    /** {@link #packB(float[], int, int, int, int, int, int, int, float[], int, boolean)} from bf16 bit patterns, widened as they are packed. */
    private static void packB(short[] b, int base, int rs, int cs, int p0, int kc, int j0, int nc, float[] pack, int at) {
        float[] columnRuns = null;
        int[] runOffsets = null;
        for (int q = 0; q * NR < nc; q++) {
            int cols = Math.min(NR, nc - q * NR), dst = at + q * NR * kc, src = base + p0 * rs + (j0 + q * NR) * cs;
            if (cs == 1) {
                for (int p = 0; p < kc; p++) Bf16Widen.widen(b, src + p * rs, pack, dst + p * NR, cols);
            } else if (cols == NR && rs == 1) {
                // Depth contiguous (B given transposed): each column's depth run widened a vector at a time, then
                // gathered a depth step at a time as for f32, instead of converting and storing element by element.
                if (columnRuns == null) {
                    columnRuns = new float[NR * kc];
                    runOffsets = strided(NR, kc);
                }
                for (int j = 0; j < NR; j++) Bf16Widen.widen(b, src + j * cs, columnRuns, j * kc, kc);
                gatherPanel(columnRuns, 0, 1, runOffsets, kc, pack, dst);
            } else if (cs < rs) {
                for (int p = 0; p < kc; p++) {
                    for (int j = 0, s = src + p * rs; j < cols; j++, s += cs) pack[dst + p * NR + j] = Float.intBitsToFloat((b[s] & 0xFFFF) << 16);
                }
            } else {
                for (int j = 0; j < cols; j++) {
                    for (int p = 0, s = src + j * cs; p < kc; p++, s += rs) pack[dst + p * NR + j] = Float.intBitsToFloat((b[s] & 0xFFFF) << 16);
                }
            }
            if (cols < NR) {
                for (int p = 0; p < kc; p++) Arrays.fill(pack, dst + p * NR + cols, dst + (p + 1) * NR, 0f);
            }
        }
    }
}
