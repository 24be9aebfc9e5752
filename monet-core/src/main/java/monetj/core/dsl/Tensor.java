package monetj.core.dsl;

import java.util.Arrays;
import java.util.List;
import monetj.core.ir.Binary;
import monetj.core.ir.BroadcastInDim;
import monetj.core.ir.Clamp;
import monetj.core.ir.Compare;
import monetj.core.ir.Constant;
import monetj.core.ir.Convert;
import monetj.core.ir.Graph;
import monetj.core.ir.Op;
import monetj.core.ir.Reduce;
import monetj.core.ir.Reshape;
import monetj.core.ir.Select;
import monetj.core.ir.Transpose;
import monetj.core.ir.Unary;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * A traced value: the {@code jax.numpy} layer. Each method appends primitive ops to the graph.
 * Binary arithmetic broadcasts numpy-style (trailing dimensions aligned); the graph itself only ever sees
 * explicit {@code broadcast_in_dim}. Scalars given as {@code double} take this tensor's dtype.
 */
public final class Tensor {
    private final Graph graph;
    private final Value value;

    public Tensor(Graph graph, Value value) {
        this.graph = graph;
        this.value = value;
    }

    public Graph graph() { return graph; }

    public Value value() { return value; }

    public TensorType type() { return value.type(); }

    public DType dtype() { return value.dtype(); }

    public Shape shape() { return value.shape(); }

    public int rank() { return value.shape().rank(); }

    public int dim(int axis) { return value.shape().dim(axis); }

    // ---- creation ------------------------------------------------------------------------------

    public static Tensor constant(Graph g, HostTensor value) { return new Tensor(g, g.apply1(new Constant(value))); }

    /** A tensor of the given type filled with {@code v} (a scalar constant broadcast). */
    public static Tensor full(Graph g, DType dtype, Shape shape, double v) {
        Tensor s = constant(g, HostTensor.fromDoubles(dtype, Shape.SCALAR, new double[] {v}));
        return shape.rank() == 0 ? s : s.broadcastInDim(shape, new int[0]);
    }

    public Tensor scalar(double v) { return full(graph, dtype(), Shape.SCALAR, v); }

    public Tensor zerosLike() { return full(graph, dtype(), shape(), 0); }

    public Tensor onesLike() { return full(graph, dtype(), shape(), 1); }

    /** Applies a single-result primitive op to this graph's values. */
    public static Tensor apply(Op op, Tensor... operands) {
        Graph g = operands[0].graph;
        Value[] vs = new Value[operands.length];
        for (int i = 0; i < operands.length; i++) vs[i] = operands[i].value;
        return new Tensor(g, g.apply1(op, vs));
    }

    private Tensor unary(Unary.Kind k) { return apply(new Unary(k), this); }

    private Tensor binary(Binary.Kind k, Tensor other) {
        Tensor[] ab = broadcastPair(this, other);
        return apply(new Binary(k), ab[0], ab[1]);
    }

    private Tensor compare(Compare.Direction d, Tensor other) {
        Tensor[] ab = broadcastPair(this, other);
        return apply(new Compare(d), ab[0], ab[1]);
    }

    // ---- elementwise ---------------------------------------------------------------------------

    public Tensor add(Tensor o) { return binary(Binary.Kind.ADD, o); }

    public Tensor add(double v) { return add(scalar(v)); }

    public Tensor sub(Tensor o) { return binary(Binary.Kind.SUBTRACT, o); }

    public Tensor sub(double v) { return sub(scalar(v)); }

    public Tensor mul(Tensor o) { return binary(Binary.Kind.MULTIPLY, o); }

    public Tensor mul(double v) { return mul(scalar(v)); }

    public Tensor div(Tensor o) { return binary(Binary.Kind.DIVIDE, o); }

    public Tensor div(double v) { return div(scalar(v)); }

    public Tensor pow(Tensor o) { return binary(Binary.Kind.POWER, o); }

    public Tensor pow(double v) { return pow(scalar(v)); }

    // Elementwise maximum/minimum are named as numpy's, so they never collide with the max/min reductions.
    public Tensor maximum(Tensor o) { return binary(Binary.Kind.MAXIMUM, o); }

    public Tensor maximum(double v) { return maximum(scalar(v)); }

    public Tensor minimum(Tensor o) { return binary(Binary.Kind.MINIMUM, o); }

    public Tensor minimum(double v) { return minimum(scalar(v)); }

    public Tensor rem(Tensor o) { return binary(Binary.Kind.REMAINDER, o); }

    public Tensor and(Tensor o) { return binary(Binary.Kind.AND, o); }

    public Tensor or(Tensor o) { return binary(Binary.Kind.OR, o); }

    public Tensor xor(Tensor o) { return binary(Binary.Kind.XOR, o); }

    /** Integer bits shifted left by {@code amounts} (a tensor of this dtype, broadcast); 0 for amounts outside the bit width. */
    public Tensor shiftLeft(Tensor amounts) { return shift(monetj.core.ir.Shift.Kind.LEFT, amounts); }

    /** Integer bits shifted right with zeros in (the bit pattern read as unsigned); 0 for amounts outside the bit width. */
    public Tensor shiftRightLogical(Tensor amounts) { return shift(monetj.core.ir.Shift.Kind.RIGHT_LOGICAL, amounts); }

    private Tensor shift(monetj.core.ir.Shift.Kind k, Tensor amounts) {
        Tensor[] ab = broadcastPair(this, amounts);
        return apply(new monetj.core.ir.Shift(k), ab[0], ab[1]);
    }

    /** The same bits read as another dtype of the same width (e.g. s32 bits as f32). */
    public Tensor bitcastConvert(DType t) { return t == dtype() ? this : apply(new monetj.core.ir.BitcastConvert(t), this); }

    public Tensor neg() { return unary(Unary.Kind.NEGATE); }

    public Tensor abs() { return unary(Unary.Kind.ABS); }

    public Tensor sign() { return unary(Unary.Kind.SIGN); }

    public Tensor exp() { return unary(Unary.Kind.EXP); }

    public Tensor log() { return unary(Unary.Kind.LOG); }

    public Tensor log1p() { return unary(Unary.Kind.LOG1P); }

    public Tensor tanh() { return unary(Unary.Kind.TANH); }

    public Tensor sigmoid() { return unary(Unary.Kind.LOGISTIC); }

    public Tensor sqrt() { return unary(Unary.Kind.SQRT); }

    public Tensor rsqrt() { return unary(Unary.Kind.RSQRT); }

    public Tensor floor() { return unary(Unary.Kind.FLOOR); }

    public Tensor sin() { return unary(Unary.Kind.SINE); }

    public Tensor cos() { return unary(Unary.Kind.COSINE); }

    public Tensor not() { return unary(Unary.Kind.NOT); }

    /** Rounds toward zero. */
    public Tensor truncate() { return sign().mul(abs().floor()); }

    public Tensor square() { return mul(this); }

    public Tensor relu() { return maximum(0.0); }

    public Tensor eq(Tensor o) { return compare(Compare.Direction.EQ, o); }

    public Tensor ne(Tensor o) { return compare(Compare.Direction.NE, o); }

    public Tensor lt(Tensor o) { return compare(Compare.Direction.LT, o); }

    public Tensor le(Tensor o) { return compare(Compare.Direction.LE, o); }

    public Tensor gt(Tensor o) { return compare(Compare.Direction.GT, o); }

    public Tensor ge(Tensor o) { return compare(Compare.Direction.GE, o); }

    public Tensor eq(double v) { return eq(scalar(v)); }

    public Tensor lt(double v) { return lt(scalar(v)); }

    public Tensor le(double v) { return le(scalar(v)); }

    public Tensor gt(double v) { return gt(scalar(v)); }

    public Tensor ge(double v) { return ge(scalar(v)); }

    /** Elementwise {@code this ? ifTrue : ifFalse}; this must be pred. All three broadcast together. */
    public Tensor where(Tensor ifTrue, Tensor ifFalse) {
        Shape s = broadcastShape(broadcastShape(shape(), ifTrue.shape()), ifFalse.shape());
        Tensor p = rank() == 0 ? this : broadcastTo(s);
        return apply(new Select(), p, ifTrue.broadcastTo(s), ifFalse.broadcastTo(s));
    }

    public Tensor clamp(double lo, double hi) { return apply(new Clamp(), scalar(lo), this, scalar(hi)); }

    public Tensor convert(DType t) { return t == dtype() ? this : apply(new Convert(t), this); }

    // ---- layout --------------------------------------------------------------------------------

    /** Reshape; one dimension may be -1 (inferred). */
    public Tensor reshape(int... dims) {
        int[] d = dims.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < d.length; i++) {
            if (d[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape " + Arrays.toString(dims) + ": at most one -1");
                infer = i;
            } else known *= d[i];
        }
        if (infer >= 0) {
            if (known == 0 || shape().size() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot infer -1 in " + Arrays.toString(dims) + " for shape " + shape());
            }
            d[infer] = (int) (shape().size() / known);
        }
        return reshape(Shape.of(d));
    }

    public Tensor reshape(Shape s) { return s.equals(shape()) ? this : apply(new Reshape(s), this); }

    /**
     * Names this intermediate's dimensions with logical axes ({@code batch}, {@code experts}, ...): in a program traced
     * with mesh rules it is constrained to the sharding they give; otherwise nothing happens. Returns this tensor.
     */
    public Tensor shardAs(String... logicalAxes) {
        monetj.core.ir.LogicalAxisRules rules = graph.axisRules();
        if (rules != null) graph.shard(value, rules.sharding("activation " + Arrays.toString(logicalAxes), List.of(logicalAxes), shape()));
        return this;
    }

    public Tensor transpose(int... perm) {
        boolean identity = true;
        for (int i = 0; i < perm.length; i++) identity &= perm[i] == i;
        return identity && perm.length == rank() ? this : apply(new Transpose(perm), this);
    }

    /** Swaps the last two dimensions. */
    public Tensor mT() {
        int[] p = new int[rank()];
        for (int i = 0; i < p.length; i++) p[i] = i;
        p[p.length - 1] = p.length - 2;
        p[p.length - 2] = p.length - 1;
        return transpose(p);
    }

    public Tensor broadcastInDim(Shape s, int... dims) {
        if (s.equals(shape())) return this;
        return apply(new BroadcastInDim(s, dims), this);
    }

    /** numpy-style broadcast to {@code s}, aligning trailing dimensions. */
    public Tensor broadcastTo(Shape s) {
        if (s.equals(shape())) return this;
        if (s.rank() < rank()) throw new IllegalArgumentException("cannot broadcast " + shape() + " to lower rank shape " + s);
        int off = s.rank() - rank();
        int[] dims = new int[rank()];
        for (int i = 0; i < dims.length; i++) dims[i] = off + i;
        return broadcastInDim(s, dims);
    }

    /** The numpy broadcast of two shapes; fails naming both. */
    public static Shape broadcastShape(Shape a, Shape b) {
        if (a.equals(b)) return a;
        int r = Math.max(a.rank(), b.rank());
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.rank() ? 1 : a.dim(i - (r - a.rank()));
            int db = i < r - b.rank() ? 1 : b.dim(i - (r - b.rank()));
            if (da != db && da != 1 && db != 1) throw new IllegalArgumentException("shapes " + a + " and " + b + " do not broadcast");
            out[i] = da == 1 ? db : da;
        }
        return Shape.of(out);
    }

    private static Tensor[] broadcastPair(Tensor a, Tensor b) {
        if (a.graph != b.graph) throw new IllegalArgumentException("tensors from different graphs: " + a + ", " + b);
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("dtype mismatch: " + a.type() + " vs " + b.type() + " (convert one explicitly)");
        }
        Shape s = broadcastShape(a.shape(), b.shape());
        return new Tensor[] {a.broadcastTo(s), b.broadcastTo(s)};
    }

    /** Sums a numpy-style broadcast result back to {@code target} (the inverse of {@link #broadcastTo}). */
    public Tensor sumTo(Shape target) {
        if (target.equals(shape())) return this;
        int off = rank() - target.rank();
        int[] dims = new int[target.rank()];
        for (int i = 0; i < dims.length; i++) dims[i] = off + i;
        return sumTo(target, dims);
    }

    /** Sums a {@code broadcast_in_dim(target, dims)} result back to {@code target}. */
    public Tensor sumTo(Shape target, int[] dims) {
        boolean[] keep = new boolean[rank()];
        for (int i = 0; i < dims.length; i++) keep[dims[i]] = target.dim(i) == dim(dims[i]);
        int[] reduced = java.util.stream.IntStream.range(0, rank()).filter(d -> !keep[d]).toArray();
        Tensor s = reduced.length == 0 ? this : reduce(Reduce.Kind.SUM, reduced);
        return s.reshape(target);
    }

    // ---- reductions ----------------------------------------------------------------------------

    public Tensor reduce(Reduce.Kind kind, int... dims) {
        int[] ds = normaliseAxes(dims);
        double init = switch (kind) {
            case SUM -> 0;
            case MAX -> dtype().isFloating() ? Double.NEGATIVE_INFINITY : dtype() == DType.S32 ? Integer.MIN_VALUE : Long.MIN_VALUE;
            case MIN -> dtype().isFloating() ? Double.POSITIVE_INFINITY : dtype() == DType.S32 ? Integer.MAX_VALUE : Long.MAX_VALUE;
        };
        return apply(new Reduce(kind, ds), this, scalar(init));
    }

    /** Sorted, non-negative axes; no axes means all. */
    public int[] normaliseAxes(int... axes) {
        if (axes.length == 0) return java.util.stream.IntStream.range(0, rank()).toArray();
        int[] a = new int[axes.length];
        for (int i = 0; i < a.length; i++) a[i] = shape().axis(axes[i]);
        Arrays.sort(a);
        for (int i = 1; i < a.length; i++) {
            if (a[i] == a[i - 1]) throw new IllegalArgumentException("axis " + a[i] + " given twice in " + Arrays.toString(axes));
        }
        return a;
    }

    /** Sum over the given axes (all when none). */
    public Tensor sum(int... axes) { return reduce(Reduce.Kind.SUM, axes); }

    public Tensor max(int... axes) { return reduce(Reduce.Kind.MAX, axes); }

    public Tensor min(int... axes) { return reduce(Reduce.Kind.MIN, axes); }

    public Tensor mean(int... axes) {
        int[] a = normaliseAxes(axes);
        long n = 1;
        for (int d : a) n *= dim(d);
        return sum(a).div(n);
    }

    /** Re-inserts reduced axes as size 1, so the result broadcasts against the original. */
    public Tensor keepDims(Shape original, int... reducedAxes) {
        int[] d = original.dims();
        for (int a : normaliseAxesOf(original, reducedAxes)) d[a] = 1;
        return reshape(Shape.of(d));
    }

    private static int[] normaliseAxesOf(Shape s, int... axes) {
        if (axes.length == 0) return java.util.stream.IntStream.range(0, s.rank()).toArray();
        int[] a = new int[axes.length];
        for (int i = 0; i < a.length; i++) a[i] = s.axis(axes[i]);
        return a;
    }

    // ---- indexing and layout: slice, pad, concatenate, gather, scatter, iota, sort (ops helpers add here) ----

    /** StableHLO slice: elements {@code start[d], start[d] + strides[d], ...} below {@code limit[d]} in every dimension. */
    public Tensor slice(int[] start, int[] limit, int[] strides) { return apply(new monetj.core.ir.Slice(start, limit, strides), this); }

    /**
     * The elements [start, end) along one axis, all of the others. Negative axis, start and end count from the
     * end, as in Python; the normalised range must lie within the axis.
     */
    public Tensor slice(int axis, int start, int end) {
        int a = shape().axis(axis), n = dim(a);
        int from = start < 0 ? start + n : start, to = end < 0 ? end + n : end;
        if (from < 0 || from > to || to > n) {
            throw new IllegalArgumentException("slice [" + start + ", " + end + ") is out of range for axis " + axis + " of " + type());
        }
        if (from == 0 && to == n) return this;
        int[] lo = new int[rank()], hi = shape().dims(), step = new int[rank()];
        Arrays.fill(step, 1);
        lo[a] = from;
        hi[a] = to;
        return slice(lo, hi, step);
    }

    /** StableHLO pad with a constant: per dimension, low before, high after (negative values cut), interior between neighbours. */
    public Tensor pad(double value, int[] low, int[] high, int[] interior) { return apply(new monetj.core.ir.Pad(low, high, interior), this, scalar(value)); }

    /** Pads one axis with {@code low} copies of {@code value} before and {@code high} after. */
    public Tensor pad(int axis, int low, int high, double value) {
        int a = shape().axis(axis);
        int[] lo = new int[rank()], hi = new int[rank()];
        lo[a] = low;
        hi[a] = high;
        return pad(value, lo, hi, new int[rank()]);
    }

    /** Joins tensors of equal dtype and equal shape outside {@code axis} (negative counts from the end). */
    public static Tensor concat(int axis, Tensor... tensors) {
        if (tensors.length == 0) throw new IllegalArgumentException("concat needs at least one tensor");
        if (tensors.length == 1) return tensors[0];
        return apply(new monetj.core.ir.Concatenate(tensors[0].shape().axis(axis)), tensors);
    }

    /** A {@code sizes} block starting at the scalar integer {@code starts} (one per dimension; clamped so the block fits). */
    public Tensor dynamicSlice(List<Tensor> starts, int... sizes) {
        Tensor[] operands = new Tensor[starts.size() + 1];
        operands[0] = this;
        for (int i = 0; i < starts.size(); i++) operands[i + 1] = starts.get(i);
        return apply(new monetj.core.ir.DynamicSlice(sizes), operands);
    }

    /** {@code size} elements along {@code axis} from the scalar integer {@code start} (clamped so they fit), all of the other axes. */
    public Tensor dynamicSlice(int axis, Tensor start, int size) {
        int a = shape().axis(axis);
        return dynamicSlice(startsAt(a, start), shape().with(a, size).dims());
    }

    /** This tensor with the block at {@code starts} (clamped so {@code update} fits) replaced by {@code update}. */
    public Tensor dynamicUpdateSlice(Tensor update, List<Tensor> starts) {
        Tensor[] operands = new Tensor[starts.size() + 2];
        operands[0] = this;
        operands[1] = update;
        for (int i = 0; i < starts.size(); i++) operands[i + 2] = starts.get(i);
        return apply(new monetj.core.ir.DynamicUpdateSlice(), operands);
    }

    /** This tensor with {@code update} written along {@code axis} from the scalar integer {@code start} (clamped). */
    public Tensor dynamicUpdateSlice(int axis, Tensor start, Tensor update) { return dynamicUpdateSlice(update, startsAt(shape().axis(axis), start)); }

    /** Start indices that are {@code start} on axis {@code a} and zero (of start's dtype) elsewhere. */
    private List<Tensor> startsAt(int a, Tensor start) {
        List<Tensor> starts = new java.util.ArrayList<>();
        for (int d = 0; d < rank(); d++) starts.add(d == a ? start : start.scalar(0));
        return starts;
    }

    /**
     * {@code jnp.take}: picks entries along {@code axis} by integer {@code indices}; the result's shape is this
     * shape with {@code axis} replaced by the indices' shape. An embedding lookup is {@code table.take(ids, 0)}.
     * Out-of-range indices clamp to the nearest entry, as StableHLO gather does.
     */
    public Tensor take(Tensor indices, int axis) {
        int a = shape().axis(axis), ri = indices.rank();
        int[] sizes = shape().with(a, 1).dims();
        int[] offsetDims = new int[rank() - 1];
        for (int d = 0, k = 0; d < rank(); d++) if (d != a) offsetDims[k++] = d < a ? d : d + ri - 1;
        monetj.core.ir.Gather g = new monetj.core.ir.Gather(offsetDims, new int[] {a}, new int[0], new int[0], new int[] {a}, ri, sizes, false);
        return apply(g, this, indices);
    }

    /**
     * {@code jnp.take_along_axis}: {@code result[..., j, ...] = this[..., indices[..., j, ...], ...]} along
     * {@code axis}; the indices have this rank and this shape outside {@code axis} (e.g. picking each row's label
     * logit with [batch, 1] indices). Out-of-range indices clamp.
     */
    public Tensor takeAlongAxis(Tensor indices, int axis) {
        int a = shape().axis(axis);
        if (indices.rank() != rank()) throw new IllegalArgumentException("takeAlongAxis: indices " + indices.type() + " must have the rank of " + type());
        int[] others = java.util.stream.IntStream.range(0, rank()).filter(d -> d != a).toArray();
        int[] ones = new int[rank()];
        Arrays.fill(ones, 1);
        return apply(new monetj.core.ir.Gather(new int[0], new int[] {a}, others, others, new int[] {a}, rank(), ones, false), this, indices);
    }

    /** Sorts this tensor along {@code axis} (stable); {@code others} (same shape) are permuted alongside. Returns this sorted, then the others. */
    public List<Tensor> sort(int axis, boolean descending, Tensor... others) {
        Value[] vs = new Value[others.length + 1];
        vs[0] = value;
        for (int i = 0; i < others.length; i++) vs[i + 1] = others[i].value;
        monetj.core.ir.Node n = graph.apply(new monetj.core.ir.Sort(shape().axis(axis), descending ? Compare.Direction.GT : Compare.Direction.LT), List.of(vs));
        List<Tensor> out = new java.util.ArrayList<>();
        for (int i = 0; i < vs.length; i++) out.add(new Tensor(graph, n.out(i)));
        return out;
    }

    /** This tensor sorted ascending along {@code axis}. */
    public Tensor sort(int axis) { return sort(axis, false).get(0); }

    /**
     * The {@code k} largest entries along the last axis, largest first, and their s32 positions: ties keep the
     * lower position first (as {@code lax.top_k}). Returns [values, indices]; values carry a gradient.
     */
    public List<Tensor> topK(int k) {
        int n = dim(-1);
        if (k < 0 || k > n) throw new IllegalArgumentException("topK: k = " + k + " must lie in [0, " + n + "] for " + type());
        List<Tensor> sorted = sort(-1, true, positionsAlong(-1));
        return List.of(sorted.get(0).slice(-1, 0, k), sorted.get(1).slice(-1, 0, k));
    }

    /** An s32 tensor of this shape whose every element is its own position along {@code axis}. */
    public Tensor positionsAlong(int axis) {
        return iota(graph, DType.S32, shape(), shape().axis(axis));
    }

    /** Returns the tensors unchanged, behind a barrier the compiler may not move computation across. */
    public static List<Tensor> optimizationBarrier(Tensor... tensors) {
        if (tensors.length == 0) return List.of();
        Graph g = tensors[0].graph;
        monetj.core.ir.Node n = g.apply(new monetj.core.ir.OptimizationBarrier(), Arrays.stream(tensors).map(Tensor::value).toList());
        List<Tensor> out = new java.util.ArrayList<>();
        for (int i = 0; i < tensors.length; i++) out.add(new Tensor(g, n.out(i)));
        return out;
    }

    // ---- linear algebra and composites: matmul, einsum, softmax, cross-entropy (DSL helpers add here) ----

    /** StableHLO iota: element values count along {@code dimension}, e.g. iota([2, 3], 1) = [[0, 1, 2], [0, 1, 2]]. */
    public static Tensor iota(Graph g, DType dtype, Shape shape, int dimension) {
        return new Tensor(g, g.apply1(new monetj.core.ir.Iota(new TensorType(dtype, shape), dimension)));
    }

    /**
     * One-hot encoding of these integer class indices: shape [.., depth], true/1 where the last index equals
     * the value. Values outside [0, depth) give an all-zero row (so a padding label such as -100 drops out).
     */
    public Tensor oneHot(int depth, DType resultType) {
        if (!dtype().isInteger()) throw new IllegalArgumentException("oneHot needs integer class indices, got " + type());
        if (depth < 0) throw new IllegalArgumentException("oneHot: negative depth " + depth);
        int[] dims = Arrays.copyOf(shape().dims(), rank() + 1);
        dims[rank()] = depth;
        Shape s = Shape.of(dims);
        int[] keep = java.util.stream.IntStream.range(0, rank()).toArray();
        return broadcastInDim(s, keep).eq(iota(graph, dtype(), s, rank())).convert(resultType);
    }

    /** Identity whose gradient is zero. */
    public Tensor stopGradient() { return apply(new monetj.core.ir.StopGradient(), this); }

    /**
     * numpy's {@code matmul}: [.., m, k] @ [.., k, n] with the leading (batch) dimensions broadcast; a 1-D
     * operand is a vector whose dimension is dropped from the result. Lowered to one dot_general; a matrix
     * times a batch of matrices adds a transpose, and batch shapes that differ otherwise add broadcasts.
     */
    public Tensor matmul(Tensor o) {
        if (graph != o.graph) throw new IllegalArgumentException("matmul: tensors from different graphs: " + this + ", " + o);
        if (rank() == 0 || o.rank() == 0) throw new IllegalArgumentException("matmul: operands must be at least 1-D, got " + type() + " @ " + o.type());
        if (dtype() != o.dtype()) throw new IllegalArgumentException("matmul: dtype mismatch " + type() + " @ " + o.type() + " (convert one explicitly)");
        int rk = o.rank() == 1 ? 0 : o.rank() - 2;
        if (dim(-1) != o.dim(rk)) {
            throw new IllegalArgumentException("matmul: " + type() + " @ " + o.type() + ": contracting sizes differ (" + dim(-1) + " vs " + o.dim(rk) + ")");
        }
        if (o.rank() <= 2 || rank() == 1) return dot(o, new int[0], new int[0], new int[] {rank() - 1}, new int[] {rk});
        int batchRank = o.rank() - 2;
        if (rank() == 2) { // [m, k] x [B.., k, n] gives [m, B.., n]; move m next to n
            int[] perm = new int[batchRank + 2];
            for (int i = 0; i < batchRank; i++) perm[i] = i + 1;
            perm[batchRank] = 0;
            perm[batchRank + 1] = batchRank + 1;
            return dot(o, new int[0], new int[0], new int[] {1}, new int[] {rk}).transpose(perm);
        }
        Shape batch;
        try {
            batch = broadcastShape(leading(shape(), rank() - 2), leading(o.shape(), o.rank() - 2));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("matmul: batch dimensions of " + type() + " and " + o.type() + " do not broadcast");
        }
        int nb = batch.rank();
        Tensor a = broadcastTo(withTrailing(batch, dim(-2), dim(-1)));
        Tensor b = o.broadcastTo(withTrailing(batch, o.dim(-2), o.dim(-1)));
        int[] bd = java.util.stream.IntStream.range(0, nb).toArray();
        return a.dot(b, bd, bd, new int[] {nb + 1}, new int[] {nb});
    }

    private Tensor dot(Tensor o, int[] lhsBatch, int[] rhsBatch, int[] lhsContract, int[] rhsContract) {
        return apply(new monetj.core.ir.DotGeneral(lhsBatch, rhsBatch, lhsContract, rhsContract, monetj.core.ir.DotGeneral.Precision.DEFAULT, null), this, o);
    }

    private static Shape leading(Shape s, int n) { return Shape.of(Arrays.copyOf(s.dims(), n)); }

    private static Shape withTrailing(Shape batch, int rows, int cols) {
        int[] d = Arrays.copyOf(batch.dims(), batch.rank() + 2);
        d[batch.rank()] = rows;
        d[batch.rank() + 1] = cols;
        return Shape.of(d);
    }

    /**
     * numpy's {@code einsum}, e.g. {@code einsum("bthi,id->btd", x, w)}: explicit ('->') or implicit output,
     * '...' broadcast dimensions, repeated indices (diagonals), any number of operands. See {@link Einsum}
     * for how it lowers to dot_general.
     */
    public static Tensor einsum(String spec, Tensor... operands) { return Einsum.evaluate(spec, null, operands); }

    /**
     * {@link #einsum(String, Tensor...)} whose contractions return {@code preferred}, e.g. f32 results (and
     * f32 accumulation) for bf16 operands.
     */
    public static Tensor einsum(String spec, DType preferred, Tensor... operands) { return Einsum.evaluate(spec, preferred, operands); }

    /**
     * {@code log(sum(exp(x)))} over the axes (all when none), computed as {@code m + log(sum(exp(x - m)))} with
     * the max {@code m} held constant for the gradient (the result does not depend on it). An infinite max is
     * replaced by 0, so an all -inf slice gives -inf rather than NaN.
     */
    public Tensor logsumexp(int... axes) {
        requireFloating("logsumexp");
        int[] a = normaliseAxes(axes);
        Tensor m = max(a).stopGradient();
        m = m.abs().lt(Double.POSITIVE_INFINITY).where(m, m.zerosLike());
        return sub(m.keepDims(shape(), a)).exp().sum(a).log().add(m);
    }

    /** Softmax along {@code axis}, with the max subtracted first (held constant for the gradient). */
    public Tensor softmax(int axis) {
        requireFloating("softmax");
        int[] a = {shape().axis(axis)}; // an array: max(int) would pick the elementwise max(double)
        Tensor e = sub(max(a).stopGradient().keepDims(shape(), a)).exp();
        return e.div(e.sum(a).keepDims(shape(), a));
    }

    /** {@code x - logsumexp(x)} along {@code axis}. */
    public Tensor logSoftmax(int axis) {
        int a = shape().axis(axis);
        return sub(logsumexp(a).keepDims(shape(), a));
    }

    /** Biased variance (divides by n) over the axes, all when none. */
    public Tensor var(int... axes) { return var(false, axes); }

    /** Variance over the axes (all when none); {@code unbiased} divides by n - 1 instead of n. */
    public Tensor var(boolean unbiased, int... axes) {
        requireFloating("var");
        int[] a = normaliseAxes(axes);
        long n = 1;
        for (int d : a) n *= dim(d);
        if (unbiased && n < 2) throw new IllegalArgumentException("var: the unbiased variance of " + type() + " over axes " + Arrays.toString(a) + " needs at least 2 elements");
        return sub(mean(a).keepDims(shape(), a)).square().sum(a).div(unbiased ? n - 1 : n);
    }

    /**
     * Softmax cross-entropy of these logits [.., V] against integer labels [..], one value per position:
     * {@code logsumexp(logits) - logits[label]}. The label's logit is gathered (labels outside [0, V) clamp, so mask
     * such positions), which costs one element per position rather than a pass over the vocabulary.
     */
    public Tensor crossEntropyPerPosition(Tensor labels) {
        requireFloating("crossEntropy");
        if (rank() == 0) throw new IllegalArgumentException("crossEntropy: logits must have a class dimension, got " + type());
        Shape expected = leading(shape(), rank() - 1);
        if (!labels.dtype().isInteger() || !labels.shape().equals(expected)) {
            throw new IllegalArgumentException("crossEntropy: labels " + labels.type() + " do not fit logits " + type() + " (need integer labels of shape " + expected + ")");
        }
        Tensor picked = takeAlongAxis(labels.reshape(withTrailingOne(labels.shape())), -1).reshape(labels.shape());
        return logsumexp(-1).sub(picked);
    }

    /** Mean cross-entropy over all positions. */
    public Tensor crossEntropy(Tensor labels) { return crossEntropyPerPosition(labels).mean(); }

    /** Mean cross-entropy over the positions where {@code mask} (pred, the labels' shape) is true; 0 when none is. */
    public Tensor crossEntropy(Tensor labels, Tensor mask) {
        if (mask.dtype() != DType.PRED || !mask.shape().equals(labels.shape())) {
            throw new IllegalArgumentException("crossEntropy: mask " + mask.type() + " must be pred of the labels' shape " + labels.shape());
        }
        // Masked positions may hold padding with all -inf logits: compute their loss on zero logits instead, so neither
        // the value nor the gradient (logsumexp's 0/0) can turn into NaN, then leave them out of the sum.
        Tensor safe = mask.reshape(withTrailingOne(mask.shape())).where(this, zerosLike());
        Tensor losses = safe.crossEntropyPerPosition(labels);
        Tensor total = mask.where(losses, losses.zerosLike()).sum();
        return total.div(mask.convert(dtype()).sum().maximum(1.0));
    }

    /** {@code s} with a size-1 dimension appended: per-position values laid out against the class dimension. */
    private static Shape withTrailingOne(Shape s) {
        int[] d = Arrays.copyOf(s.dims(), s.rank() + 1);
        d[s.rank()] = 1;
        return Shape.of(d);
    }

    private void requireFloating(String op) {
        if (!dtype().isFloating()) throw new IllegalArgumentException(op + " needs a floating point tensor, got " + type());
    }

    @Override
    public String toString() { return "Tensor" + value; }
}
