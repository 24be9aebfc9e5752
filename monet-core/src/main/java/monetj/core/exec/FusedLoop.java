package monetj.core.exec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import monetj.core.ir.Binary;
import monetj.core.ir.BroadcastInDim;
import monetj.core.ir.Clamp;
import monetj.core.ir.Compare;
import monetj.core.ir.Constant;
import monetj.core.ir.Convert;
import monetj.core.ir.Node;
import monetj.core.ir.Reduce;
import monetj.core.ir.Select;
import monetj.core.ir.Unary;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * A fused cluster of elementwise nodes as one loop over blocks of elements: each block's leaves are read into
 * registers (small f32 arrays that stay in cache), the members computed register to register in order, and the
 * root written once. Booleans are 0/1 and bf16 values their f32 equivalents in registers. Every member computes
 * exactly what its op's kernel computes element by element (exp and log vectorised as in {@link UnaryKernel}), so
 * fusing never changes a result. A cluster consumed by a reduction accumulates its root's values in f64, in the
 * order and with the init value of {@link ContiguousReduce}, instead of writing them or as it writes them. The cluster's extra outputs
 * are written block by block beside the root; each written value goes over a dying operand of its size where
 * there is one (a donated parameter and its moments are updated in place).
 * <p>
 * The members can run as generated code instead ({@link FusedCodegen}: each value kept in a vector register from
 * the leaves' loads to the stores, one pass over memory; a cluster too heavy for one compiled method as several
 * bodies passing values through block buffers: {@link FusedStages}), for the whole machine vectors of each block;
 * the reduction part stays below, reading the root's values of the block from a buffer. The interpreter here
 * remains for: the last elements of a block that fill no whole vector (and loops smaller than one), clusters with a
 * member the generator does not emit, and every loop until the JIT has compiled its generated code
 * ({@link GeneratedBody}). Both compute the same bits.
 */
final class FusedLoop implements LoopKernel {
    private static final int BLOCK = 512;
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ThreadLocal<float[][]> REGISTER_FILE = ThreadLocal.withInitial(() -> new float[0][]);

    /** One member's computation over the first {@code len} elements of its registers. */
    @FunctionalInterface
    private interface Instruction {
        void run(float[][] reg, int len);
    }

    private final List<Value> reads = new ArrayList<>();          // per leaf: the value the kernel reads
    private final List<BroadcastInDim> through = new ArrayList<>(); // per leaf: the broadcast read through, or null
    private final List<Instruction> program = new ArrayList<>();
    private final int registers, rootRegister;
    private final TensorType reduced;      // the reduction's type, or null
    private final Reduce reduce;           // null: none
    private final boolean alongside;       // the root is written and reduced; else, with a reduction, only reduced
    private final double constantInit;
    private final ReduceLayout layout;
    private final int loopSize;
    private final int[] written;           // registers written out: the root unless only reduced, then the extra outputs
    private final List<TensorType> writtenTypes;
    private final int[] uniform, varying; // leaves that repeat a single element (read once per loop body), and the others
    private final FusedStages generated;   // the generated loop's bodies, or null: interpreted throughout
    private final boolean untilCompiled;   // interpreted until the JIT has compiled the generated loop
    private final List<FusedCodegen.Access> leafAccess; // how generated code reads each leaf
    private final int[] buffered;          // with a body: the leaves it reads from their registers, filled per block by their readers
    private final int[] bufferedSinks;     // with a body: the outputs it writes into registers of their own (booleans), then converted
    private final int compiledBlock;       // with a body: the longest block it computes in one call

    /** Which code runs a fused loop's body. */
    enum Code {
        /** The interpreter, always. */
        INTERPRETED,
        /** Generated code once the JIT has compiled it, the interpreter before and where the generator does not apply (see {@link GeneratedBody}). */
        GENERATED_ONCE_COMPILED,
        /** Generated code wherever the generator applies, compiled or not (for tests). */
        GENERATED;

        /** The default: GENERATED_ONCE_COMPILED; the system property monet.codegen=false keeps every loop interpreted, to compare. */
        static final Code DEFAULT = "false".equals(System.getProperty("monet.codegen")) ? INTERPRETED : GENERATED_ONCE_COMPILED;
    }

    /** The loop of {@code cluster}, its body run by {@code code} (the interpreter where {@link FusedCodegen} does not apply). */
    FusedLoop(FusionPlan.Cluster cluster, Code code) {
        Map<Value, Integer> reg = new HashMap<>();
        for (Value leaf : cluster.leaves()) {
            boolean view = FusionPlan.readThrough(leaf);
            reg.put(leaf, reads.size());
            reads.add(view ? leaf.node().inputs().get(0) : leaf);
            through.add(view ? (BroadcastInDim) leaf.node().op() : null);
        }
        // A convert to f32 is the same f32 value in its operand's register (no work): values share registers in
        // groups named by the value first computed. A group's register is reused once its last reader has read it,
        // except the values written out and the leaves (which their reads fill).
        List<Node> members = cluster.members();
        Map<Value, Value> group = new HashMap<>();
        for (Node n : members) group.put(n.out(), aliasesOperand(n) ? group.getOrDefault(n.inputs().get(0), n.inputs().get(0)) : n.out());
        Map<Value, Integer> lastRead = new HashMap<>();
        for (int m = 0; m < members.size(); m++) for (Value v : members.get(m).inputs()) lastRead.put(group.getOrDefault(v, v), m);
        for (Node n : cluster.extras()) lastRead.put(group.get(n.out()), Integer.MAX_VALUE);
        lastRead.put(group.get(cluster.root().out()), Integer.MAX_VALUE);
        List<Integer> free = new ArrayList<>();
        int next = reads.size();
        for (int m = 0; m < members.size(); m++) {
            Node n = members.get(m);
            int[] in = n.inputs().stream().mapToInt(reg::get).toArray();
            if (aliasesOperand(n)) {
                reg.put(n.out(), in[0]);
                continue;
            }
            for (Value v : n.inputs()) { // may become the result's: every instruction reads lane i before writing it
                int r = reg.get(v);
                if (r >= reads.size() && lastRead.get(group.get(v)) == m && !free.contains(r)) free.add(r);
            }
            int out = free.isEmpty() ? next++ : free.removeLast();
            reg.put(n.out(), out);
            program.add(instruction(n, in, out));
        }
        registers = next;
        rootRegister = reg.get(cluster.root().out());
        loopSize = cluster.root().types().get(0).shape().intSize();
        Node r = cluster.reduce();
        reduce = r != null ? (Reduce) r.op() : null;
        layout = r != null ? ReduceLayout.of(reduce.dims(), cluster.root().types().get(0).rank()) : null;
        reduced = r != null ? r.types().get(0) : null;
        alongside = cluster.alongside();
        // the init value: a constant when reduced alongside (the loop runs before the reduction's position), else read last
        constantInit = alongside ? ((Constant) r.inputs().get(1).node().op()).value().getDouble(0) : 0;
        if (r != null && !alongside) reads.add(r.inputs().get(1));
        List<Node> out = new ArrayList<>(cluster.extras());
        if (r == null || alongside) out.addFirst(cluster.root());
        written = out.stream().mapToInt(n -> reg.get(n.out())).toArray();
        Map<Boolean, List<Integer>> repeatsOne = IntStream.range(0, through.size()).boxed()
                .collect(Collectors.partitioningBy(i -> loopSize != 1 && reads.get(i).shape().size() == 1));
        uniform = repeatsOne.get(true).stream().mapToInt(Integer::intValue).toArray();
        varying = repeatsOne.get(false).stream().mapToInt(Integer::intValue).toArray();
        writtenTypes = out.stream().map(n -> n.types().get(0)).toList();
        leafAccess = IntStream.range(0, through.size()).mapToObj(this::access).toList();
        List<FusedCodegen.Access> outAccess = new ArrayList<>(writtenTypes.stream().map(t -> switch (t.dtype()) {
            case F32 -> FusedCodegen.Access.F32;
            case BF16 -> FusedCodegen.Access.BF16;
            default -> FusedCodegen.Access.BUFFER;
        }).toList());
        List<Value> outValues = new ArrayList<>(out.stream().map(Node::out).toList());
        if (r != null) { // the root's values of each block into a buffer, reduced from there as the interpreter's register
            outValues.add(cluster.root().out());
            outAccess.add(FusedCodegen.Access.BUFFER);
        }
        generated = code != Code.INTERPRETED ? FusedStages.of(members, cluster.leaves(), leafAccess, outValues, outAccess) : null;
        untilCompiled = code == Code.GENERATED_ONCE_COMPILED;
        buffered = IntStream.range(0, leafAccess.size()).filter(i -> leafAccess.get(i) == FusedCodegen.Access.BUFFER).toArray();
        bufferedSinks = IntStream.range(0, written.length).filter(w -> outAccess.get(w) == FusedCodegen.Access.BUFFER).toArray();
        boolean oneBody = generated == null || generated.buffers() == 0;
        compiledBlock = buffered.length == 0 && bufferedSinks.length == 0 && r == null && oneBody ? Integer.MAX_VALUE : BLOCK;
    }

    /**
     * How generated code reads leaf {@code i}: a repeated single element once, a whole f32 or bf16 array directly;
     * booleans, s32 and broadcasts read through from the register its reader fills per block.
     */
    private FusedCodegen.Access access(int i) {
        Value v = reads.get(i);
        if (loopSize != 1 && v.shape().size() == 1) return FusedCodegen.Access.UNIFORM;
        if (through.get(i) != null) return FusedCodegen.Access.BUFFER;
        return v.dtype() == DType.F32 ? FusedCodegen.Access.F32 : v.dtype() == DType.BF16 ? FusedCodegen.Access.BF16 : FusedCodegen.Access.BUFFER;
    }

    /** The generated bodies the loop runs, or null when interpreted: for tests. */
    FusedStages generated() { return generated; }

    /** Whether a run now goes through the interpreter throughout (for the profile). */
    boolean interpreted() { return generated == null || untilCompiled && !generated.compiled(); }

    @Override
    public List<Value> reads() { return reads; }

    private static boolean aliasesOperand(Node n) { return n.op() instanceof Convert c && c.target() == DType.F32; }

    @Override
    public List<HostTensor> run(List<HostTensor> inputs) { return run(inputs, new boolean[inputs.size()]); }

    /**
     * The root's value (or the reduction computed instead of it) first, then the extra outputs, then a reduction
     * computed alongside the root. Each value written goes into an overwritable operand read element for element
     * (same dtype and size) not taken by another, else a new tensor.
     */
    @Override
    public List<HostTensor> run(List<HostTensor> inputs, boolean[] overwritable) {
        if (untilCompiled && generated != null && loopSize >= FusedLanes.LANES) generated.ran();
        BlockReader[] leaves = readers(inputs);
        Object[] direct = direct(inputs);
        Sink[] sinks = sinks(inputs, overwritable);
        HostTensor reduction = null;
        if (reduce != null) reduction = reduced(leaves, direct, alongside ? constantInit : inputs.get(inputs.size() - 1).getDouble(0), sinks);
        else {
            Parallel.forRange(loopSize, 1 << 14, (lo, hi) -> {
                Block block = new Block(leaves, sinks, direct);
                for (int b = lo, len; b < hi; b += len) block.compute(b, len = Math.min(block.length, hi - b));
            });
        }
        List<HostTensor> results = new ArrayList<>();
        if (reduction != null && !alongside) results.add(reduction);
        for (Sink k : sinks) results.add(k.tensor());
        if (reduction != null && alongside) results.add(reduction);
        return results;
    }

    /** Where each written register goes: an overwritable operand of its dtype and size, else a new tensor. */
    private Sink[] sinks(List<HostTensor> inputs, boolean[] overwritable) {
        boolean[] taken = new boolean[through.size()];
        Sink[] sinks = new Sink[written.length];
        for (int w = 0; w < written.length; w++) {
            TensorType type = writtenTypes.get(w);
            HostTensor out = null;
            for (int i = 0; i < through.size() && out == null; i++) {
                HostTensor t = inputs.get(i);
                if (overwritable[i] && !taken[i] && through.get(i) == null && t.dtype() == type.dtype() && t.size() == loopSize) {
                    taken[i] = true;
                    out = t.reshape(type.shape());
                }
            }
            sinks[w] = new Sink(written[w], type, out != null ? out : HostTensor.forOverwrite(type.dtype(), type.shape()));
        }
        return sinks;
    }

    /** One register written out element for element into a tensor's array. */
    private static final class Sink {
        private final int register;
        private final TensorType type;
        private final float[] f32;
        private final short[] bf16;
        private final byte[] pred;

        Sink(int register, TensorType type, HostTensor out) {
            this.register = register;
            this.type = type;
            f32 = type.dtype() == DType.F32 ? out.floats() : null;
            bf16 = type.dtype() == DType.BF16 ? out.shorts() : null;
            pred = type.dtype() == DType.PRED ? out.preds() : null;
        }

        void write(float[][] reg, int at, int len) { write(reg[register], at, len); }

        /** Elements [at, at + len) from {@code r[0, len)}. */
        void write(float[] r, int at, int len) {
            if (f32 != null) System.arraycopy(r, 0, f32, at, len);
            else if (bf16 != null) Bf16Lanes.narrow(r, 0, bf16, at, len);
            else for (int i = 0; i < len; i++) pred[at + i] = r[i] != 0 ? (byte) 1 : 0;
        }

        /** The array generated code writes: the output's own (f32, bf16), or a block buffer whose values {@link #write(float[], int, int)} converts (booleans). */
        Object target(float[] buffer) { return f32 != null ? f32 : bf16 != null ? bf16 : buffer; }

        /** The arrays written (a tensor not backed by one whole array gave a copy: the result is that copy). */
        HostTensor tensor() {
            return f32 != null ? HostTensor.of(type.shape(), f32) : bf16 != null ? HostTensor.ofShorts(DType.BF16, type.shape(), bf16)
                    : HostTensor.ofPred(type.shape(), pred);
        }
    }

    /**
     * The calling thread's register blocks, at least {@link #registers} of them, kept from loop to loop (a loop body
     * never runs inside another, and every register is written before it is read in a block), with the leaves that
     * repeat one element filled: no instruction writes a leaf's register, so they hold for every block of the body.
     */
    private float[][] registerFile(BlockReader[] leaves) {
        int needed = registers + written.length + 1 + (generated != null ? generated.buffers() : 0); // and block buffers for the generated code's outputs and stages
        float[][] r = REGISTER_FILE.get();
        if (r.length < needed) {
            int had = r.length;
            r = java.util.Arrays.copyOf(r, needed);
            for (int i = had; i < needed; i++) r[i] = new float[BLOCK];
            REGISTER_FILE.set(r);
        }
        for (int i : uniform) leaves[i].read(0, BLOCK, r[i]);
        return r;
    }

    /** Per leaf, the array generated code reads it from directly (f32 and bf16 tensors of the loop's size), else null. */
    private Object[] direct(List<HostTensor> inputs) {
        Object[] a = new Object[through.size()];
        if (generated == null) return a;
        for (int i = 0; i < a.length; i++) {
            switch (leafAccess.get(i)) {
                case F32 -> a[i] = inputs.get(i).floats();
                case BF16 -> a[i] = inputs.get(i).shorts();
                default -> { }
            }
        }
        return a;
    }

    private BlockReader[] readers(List<HostTensor> inputs) {
        BlockReader[] leaves = new BlockReader[through.size()];
        for (int i = 0; i < leaves.length; i++) {
            leaves[i] = through.get(i) != null ? BlockReader.broadcast(inputs.get(i), through.get(i)) : BlockReader.of(inputs.get(i), loopSize);
        }
        return leaves;
    }

    /** The reduction of the root's values: rows in parallel, each accumulated in order; columns in one pass. */
    private HostTensor reduced(BlockReader[] leaves, Object[] direct, double init, Sink[] sinks) {
        Reduce.Kind kind = reduce.kind();
        int outputs = reduced.shape().intSize(), inner = loopSize / outputs;
        float[] out = new float[outputs];
        if (layout == ReduceLayout.ROWS) {
            Parallel.forRange(outputs, Math.max(1, (1 << 16) / Math.max(1, inner)), (lo, hi) -> {
                Block block = new Block(leaves, sinks, direct);
                LaneSum lanes = new LaneSum(); // sums: in ContiguousReduce's lanes, so fused and unfused agree
                int row = lo, inRow = 0;
                double acc = init;
                lanes.start(init);
                for (int b = lo * inner, end = hi * inner; b < end; b += BLOCK) {
                    int len = Math.min(BLOCK, end - b);
                    float[] v = block.compute(b, len);
                    for (int i = 0; i < len; ) {
                        int run = Math.min(len - i, inner - inRow); // the rest of this row within the block
                        switch (kind) { // maxima and minima a vector at a time, exact in any order
                            case SUM -> lanes.add(v, i, run, inRow);
                            case MAX -> acc = Math.max(acc, ContiguousReduce.maximum(v, i, run));
                            case MIN -> acc = Math.min(acc, ContiguousReduce.minimum(v, i, run));
                        }
                        i += run;
                        inRow += run;
                        if (inRow == inner) {
                            out[row++] = (float) (kind == Reduce.Kind.SUM ? lanes.total() : acc);
                            acc = init;
                            lanes.start(init);
                            inRow = 0;
                        }
                    }
                }
            });
        } else {
            double[] acc = new double[outputs];
            java.util.Arrays.fill(acc, init);
            Block block = new Block(leaves, sinks, direct);
            for (int b = 0, col = 0; b < loopSize; b += BLOCK) {
                int len = Math.min(BLOCK, loopSize - b);
                float[] v = block.compute(b, len);
                for (int i = 0; i < len; i++) {
                    acc[col] = accumulate(kind, acc[col], v[i]);
                    if (++col == outputs) col = 0;
                }
            }
            for (int c = 0; c < outputs; c++) out[c] = (float) acc[c];
        }
        return HostTensor.of(reduced.shape(), out);
    }

    /**
     * One thread's blocks of the loop: computes elements [from, from + len), writes them out and returns the root's
     * values at [0, len). With a generated body, it runs the whole machine vectors of the block and the interpreter
     * the rest (fewer than {@link FusedLanes#LANES} elements: the same values, as both compute what the ops do).
     */
    private final class Block {
        final int length;              // the longest block computed at once
        private final BlockReader[] leaves;
        private final Sink[] sinks;
        private final float[][] reg;
        private final Object[][] arrays; // per generated body, its arrays; null: interpreted
        private final float[] root;    // with a reduction, where the body writes the root's values

        Block(BlockReader[] leaves, Sink[] sinks, Object[] direct) {
            this.leaves = leaves;
            this.sinks = sinks;
            reg = registerFile(leaves);
            if (generated == null || untilCompiled && !generated.compiled()) {
                length = BLOCK;
                arrays = null;
                root = null;
                return;
            }
            length = compiledBlock;
            int outputs = written.length + (reduce != null ? 1 : 0);
            Object[] all = new Object[leaves.length + outputs + generated.buffers()];
            for (int i = 0; i < leaves.length; i++) all[i] = reg[i]; // the registers of buffered and uniform leaves
            for (int i = 0; i < leaves.length; i++) if (direct[i] != null) all[i] = direct[i];
            for (int w = 0; w < sinks.length; w++) all[leaves.length + w] = sinks[w].target(reg[registers + w]);
            root = reduce != null ? reg[registers + written.length] : null;
            if (root != null) all[leaves.length + outputs - 1] = root;
            for (int b = 0; b < generated.buffers(); b++) all[leaves.length + outputs + b] = reg[registers + written.length + 1 + b];
            arrays = new Object[generated.stages().size()][];
            for (int s = 0; s < arrays.length; s++) {
                int[] take = generated.stages().get(s).arrays();
                arrays[s] = new Object[take.length];
                for (int k = 0; k < take.length; k++) arrays[s][k] = all[take[k]];
            }
        }

        float[] compute(int from, int len) {
            int bulk = arrays == null ? 0 : len - len % FusedLanes.LANES;
            if (bulk == 0) {
                interpret(from, len);
                return reg[rootRegister];
            }
            for (int i : buffered) leaves[i].read(from, bulk, reg[i]);
            for (int s = 0; s < arrays.length; s++) generated.stages().get(s).body().body.run(arrays[s], from, bulk);
            for (int w : bufferedSinks) sinks[w].write(reg[registers + w], from, bulk);
            if (bulk < len) {
                interpret(from + bulk, len - bulk);
                if (root != null) System.arraycopy(reg[rootRegister], 0, root, bulk, len - bulk);
            }
            return root;
        }

        private void interpret(int from, int len) {
            FusedLoop.this.compute(leaves, reg, from, len);
            for (Sink k : sinks) k.write(reg, from, len);
        }
    }

    private void compute(BlockReader[] leaves, float[][] reg, int from, int len) {
        for (int i : varying) leaves[i].read(from, len, reg[i]);
        for (Instruction ins : program) ins.run(reg, len);
    }

    private static double accumulate(Reduce.Kind kind, double acc, float v) {
        return switch (kind) {
            case SUM -> acc + v;
            case MAX -> Math.max(acc, v);
            case MIN -> Math.min(acc, v);
        };
    }

    private static Instruction instruction(Node n, int[] in, int out) {
        if (n.types().get(0).dtype() == DType.BF16 && !(n.op() instanceof Convert) && !(n.op() instanceof Select)) {
            // the f32 result rounded to bf16: what the bf16 reference computes (its f64 result rounded to f32, then to
            // bf16; equal for + - * /, where double rounding is innocuous), and for exp and log what UnaryKernel computes
            Instruction f32 = f32Instruction(n, in, out);
            return (reg, len) -> {
                f32.run(reg, len);
                Bf16Lanes.round(reg[out], reg[out], len);
            };
        }
        return f32Instruction(n, in, out);
    }

    private static Instruction f32Instruction(Node n, int[] in, int out) {
        return switch (n.op()) {
            case Binary b -> binary(b.kind(), in[0], in[1], out);
            case Unary u -> unary(u.kind(), in[0], out);
            case Compare c -> compare(c.direction(), in[0], in[1], out);
            case Select s -> (reg, len) -> {
                float[] p = reg[in[0]], t = reg[in[1]], f = reg[in[2]], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = p[i] != 0 ? t[i] : f[i];
            };
            case Clamp c -> (reg, len) -> {
                float[] lo = reg[in[0]], x = reg[in[1]], hi = reg[in[2]], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = Math.min(Math.max(x[i], lo[i]), hi[i]);
            };
            case Convert c -> (reg, len) -> Bf16Lanes.round(reg[in[0]], reg[out], len); // to bf16, kept as its f32 value
            default -> throw new IllegalArgumentException("not fusible: " + n);
        };
    }

    private static Instruction binary(Binary.Kind kind, int a, int b, int out) {
        return switch (kind) {
            case ADD -> (reg, len) -> {
                float[] x = reg[a], y = reg[b], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = x[i] + y[i];
            };
            case SUBTRACT -> (reg, len) -> {
                float[] x = reg[a], y = reg[b], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = x[i] - y[i];
            };
            case MULTIPLY -> (reg, len) -> {
                float[] x = reg[a], y = reg[b], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = x[i] * y[i];
            };
            case DIVIDE -> (reg, len) -> {
                float[] x = reg[a], y = reg[b], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = x[i] / y[i];
            };
            case MAXIMUM -> (reg, len) -> maxLanes(reg[a], reg[b], reg[out], len);
            case MINIMUM -> (reg, len) -> minLanes(reg[a], reg[b], reg[out], len);
            default -> (reg, len) -> {
                float[] x = reg[a], y = reg[b], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = (float) kind.apply(x[i], y[i]);
            };
        };
    }

    /** r = max(x, y) lane by lane, as Math.max (NaN absorbing, +0 above -0) as the reference; the operator is a constant so the JIT keeps it in vector registers. */
    private static void maxLanes(float[] x, float[] y, float[] r, int len) {
        int i = 0;
        for (int bound = SPECIES.loopBound(len); i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, x, i).lanewise(VectorOperators.MAX, FloatVector.fromArray(SPECIES, y, i)).intoArray(r, i);
        }
        for (; i < len; i++) r[i] = Math.max(x[i], y[i]);
    }

    /** r = min(x, y) lane by lane, as Math.min. */
    private static void minLanes(float[] x, float[] y, float[] r, int len) {
        int i = 0;
        for (int bound = SPECIES.loopBound(len); i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, x, i).lanewise(VectorOperators.MIN, FloatVector.fromArray(SPECIES, y, i)).intoArray(r, i);
        }
        for (; i < len; i++) r[i] = Math.min(x[i], y[i]);
    }

    private static Instruction unary(Unary.Kind kind, int a, int out) {
        return switch (kind) {
            case NEGATE -> (reg, len) -> {
                float[] x = reg[a], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = -x[i];
            };
            case EXP -> (reg, len) -> VectorMath.exp(reg[a], 0, reg[out], 0, len);
            case LOG -> (reg, len) -> VectorMath.log(reg[a], 0, reg[out], 0, len);
            case SQRT -> (reg, len) -> { // correctly rounded in f32, and the f64 root rounded to f32 is the same value
                float[] x = reg[a], r = reg[out];
                int i = 0;
                for (int bound = SPECIES.loopBound(len); i < bound; i += SPECIES.length()) {
                    FloatVector.fromArray(SPECIES, x, i).lanewise(VectorOperators.SQRT).intoArray(r, i);
                }
                for (; i < len; i++) r[i] = (float) Math.sqrt(x[i]);
            };
            default -> (reg, len) -> {
                float[] x = reg[a], r = reg[out];
                for (int i = 0; i < len; i++) r[i] = (float) kind.apply(x[i]);
            };
        };
    }

    private static Instruction compare(Compare.Direction d, int a, int b, int out) {
        return (reg, len) -> {
            float[] x = reg[a], y = reg[b], r = reg[out];
            switch (d) { // IEEE: every comparison with NaN is false except NE
                case EQ -> { for (int i = 0; i < len; i++) r[i] = x[i] == y[i] ? 1 : 0; }
                case NE -> { for (int i = 0; i < len; i++) r[i] = x[i] != y[i] ? 1 : 0; }
                case LT -> { for (int i = 0; i < len; i++) r[i] = x[i] < y[i] ? 1 : 0; }
                case LE -> { for (int i = 0; i < len; i++) r[i] = x[i] <= y[i] ? 1 : 0; }
                case GT -> { for (int i = 0; i < len; i++) r[i] = x[i] > y[i] ? 1 : 0; }
                case GE -> { for (int i = 0; i < len; i++) r[i] = x[i] >= y[i] ? 1 : 0; }
            }
        };
    }
}
