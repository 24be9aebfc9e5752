package monetj.core.exec;

import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_float;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_short;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static java.lang.constant.ConstantDescs.MTD_void;

import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.TypeKind;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jdk.incubator.vector.FloatVector;
import monetj.core.ir.Binary;
import monetj.core.ir.Clamp;
import monetj.core.ir.Compare;
import monetj.core.ir.Convert;
import monetj.core.ir.Node;
import monetj.core.ir.Select;
import monetj.core.ir.Unary;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;

/**
 * Generates a fused cluster's loop body as a hidden class ({@link FusedBody}): one loop over machine vectors whose
 * every value lives in a local (a vector register once compiled) from the leaves' loads to the outputs' stores, so
 * memory is read and written once, where the interpreter in {@link FusedLoop} makes a pass over register arrays
 * per member. Each member becomes a call of the {@link FusedLanes} method that computes what the interpreter's
 * instruction computes, so the two agree bit for bit; a bf16 member's result is rounded as there. Clusters with the
 * same members, operands and accesses share one class (the AdamW update of every parameter, say), so the JIT
 * compiles each loop once.
 */
final class FusedCodegen {
    /** How the loop reads a leaf or writes an output: a whole f32 or bf16 array at from + i, a block buffer at i, or (leaves only) one value for every element. */
    enum Access { F32, BF16, BUFFER, UNIFORM }

    /**
     * The most work one generated body takes, in simple lane operations ({@link #weight(Node)}, with the leaves' loads
     * and the outputs' stores): C2 stops inlining past a node budget (NodeCountInliningCutoff, 18,000 nodes; each
     * inlined Vector API call costs a few hundred), and a lane function it does not inline passes its vectors boxed,
     * far slower than the interpreter. A 49-member init cluster with two logs and 29 leaves (about 108 here) and the
     * demo's 10-member bf16 cluster (three bf16 loads, six roundings) were seen to cross it; 240 f32 multiplies in a
     * row stay under it. Heavier clusters run as several bodies ({@link FusedStages}); should a body cross it anyway,
     * its warm-up never reaches compiled speed and its loop stays interpreted ({@link GeneratedBody}).
     */
    static final int MAX_WEIGHT = 80;
    private static final int HEAVY = 30;
    /**
     * Rounding to bf16 (bit arithmetic and a NaN mask), widening a bf16 load (a shape-changing conversion), narrowing
     * a bf16 store (both), a comparison's or select's mask. The bf16 ones are heavy for the inliner (-XX:+PrintInlining):
     * four roundings in a row crossed the budget and two did not; with {@link Bf16Lanes}' rounding two bf16 loads and
     * two roundings already did (the body then ran boxed, 3-40 ns an element against 0.3-0.8 compiled).
     */
    private static final int BF16_ROUNDING = 20, BF16_LOAD = 12, BF16_STORE = 24, MASK = 2;

    private static final ClassDesc LANES = ClassDesc.of(FusedLanes.class.getName());
    private static final ClassDesc VECTOR = ClassDesc.of(FloatVector.class.getName());
    private static final ClassDesc FLOATS = CD_float.arrayType(), SHORTS = CD_short.arrayType();
    /** By form, for the process: a program compiled again, or another with the same loops, finds its classes compiled. */
    private static final Map<String, GeneratedBody> BODIES = new ConcurrentHashMap<>();

    private FusedCodegen() {}

    /** One call of a {@link FusedLanes} method on earlier values (indices: the leaves, then the steps' results), and an op kind passed last when not null. */
    private record Step(String method, int[] operands, Enum<?> kind) {
        @Override public String toString() { return method + Arrays.toString(operands) + (kind != null ? kind.name() : ""); }
    }

    /**
     * The body computing {@code members} (in order) from {@code leaves}, writing {@code outputs}; null when a member
     * is not one it generates or the body would weigh more than {@link #MAX_WEIGHT}.
     */
    static GeneratedBody of(List<Node> members, List<Value> leaves, List<Access> leafAccess, List<Value> outputs, List<Access> outputAccess) {
        int budget = 0;
        for (Node n : members) budget += weight(n);
        for (Access a : leafAccess) budget += weight(a, false);
        for (Access a : outputAccess) budget += weight(a, true);
        if (budget > MAX_WEIGHT) return null;
        Map<Value, Integer> index = new HashMap<>();
        for (int i = 0; i < leaves.size(); i++) index.put(leaves.get(i), i);
        List<Step> steps = new ArrayList<>();
        int operations = 0; // lane operations, for the warm-up's test of compiled speed (GeneratedBody)
        for (Node n : members) {
            int[] in = n.inputs().stream().mapToInt(index::get).toArray();
            if (n.op() instanceof Convert c && c.target() == DType.F32) { // the same f32 value (see FusedLoop)
                index.put(n.out(), in[0]);
                continue;
            }
            Step s = step(n, in);
            if (s == null) return null;
            operations += s.method.equals("exp") || s.method.equals("log") || s.kind != null ? HEAVY : 1;
            steps.add(s);
            if (n.types().get(0).dtype() == DType.BF16 && !(n.op() instanceof Convert) && !(n.op() instanceof Select)) {
                steps.add(new Step("bf16", new int[] {leaves.size() + steps.size() - 1}, null));
                operations++;
            }
            index.put(n.out(), leaves.size() + steps.size() - 1);
        }
        int[] written = outputs.stream().mapToInt(index::get).toArray();
        String key = leafAccess + " " + steps + " " + Arrays.toString(written) + outputAccess;
        int ops = operations;
        return BODIES.computeIfAbsent(key, k -> new GeneratedBody(define(leafAccess, steps, written, outputAccess), leafAccess, outputAccess, ops));
    }

    /**
     * A member's share of {@link #MAX_WEIGHT}: a convert to f32 none (it aliases its operand), exp, log and the ops
     * computed in f64 {@link #HEAVY}, a comparison or select a mask's, a bf16 result its rounding besides; -1 for a
     * member the generator does not emit.
     */
    static int weight(Node n) {
        if (n.op() instanceof Convert c && c.target() == DType.F32) return 0;
        Step s = step(n, new int[n.inputs().size()]);
        if (s == null) return -1;
        int w = s.method.equals("exp") || s.method.equals("log") || s.kind != null ? HEAVY
                : s.method.equals("bf16") ? BF16_ROUNDING : n.op() instanceof Compare || n.op() instanceof Select ? MASK : 1;
        boolean rounded = n.types().get(0).dtype() == DType.BF16 && !(n.op() instanceof Convert) && !(n.op() instanceof Select);
        return w + (rounded ? BF16_ROUNDING : 0);
    }

    /** Reading a leaf or writing an output: a bf16 array's widening or rounding, else one load or store. */
    static int weight(Access a, boolean output) { return a != Access.BF16 ? 1 : output ? BF16_STORE : BF16_LOAD; }

    private static Step step(Node n, int[] in) {
        return switch (n.op()) {
            case Binary b -> switch (b.kind()) {
                case ADD, SUBTRACT, MULTIPLY, DIVIDE, MAXIMUM, MINIMUM -> new Step(b.kind().name().toLowerCase(Locale.ROOT), in, null);
                case POWER, REMAINDER -> new Step("inDouble", in, b.kind());
                default -> null;
            };
            case Unary u -> switch (u.kind()) {
                case NEGATE, ABS, SQRT, EXP, LOG -> new Step(u.kind().name().toLowerCase(Locale.ROOT), in, null);
                case NOT -> null;
                default -> new Step("inDouble", in, u.kind());
            };
            case Compare c -> new Step(c.direction().name().toLowerCase(Locale.ROOT), in, null);
            case Select s -> new Step("select", in, null);
            case Clamp c -> new Step("clamp", in, null);
            case Convert c -> new Step("bf16", in, null); // to bf16 (to f32 aliases its operand)
            default -> null;
        };
    }

    private static FusedBody define(List<Access> leafAccess, List<Step> steps, int[] written, List<Access> outputAccess) {
        byte[] bytes = ClassFile.of().build(ClassDesc.of(FusedCodegen.class.getPackageName() + ".GeneratedFusedBody"), cb -> cb
                .withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SYNTHETIC)
                .withInterfaceSymbols(ClassDesc.of(FusedBody.class.getName()))
                .withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC, c -> c.aload(0).invokespecial(CD_Object, INIT_NAME, MTD_void).return_())
                .withMethodBody("run", MethodTypeDesc.of(CD_void, CD_Object.arrayType(), CD_int, CD_int), ClassFile.ACC_PUBLIC,
                        c -> loop(c, leafAccess, steps, written, outputAccess)));
        try {
            Class<?> hidden = MethodHandles.lookup().defineHiddenClass(bytes, true).lookupClass();
            return (FusedBody) hidden.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("generated fused loop failed to load: " + steps, e);
        }
    }

    /**
     * run(arrays, from, len): each leaf's and output's array from {@code arrays} into a local (a uniform leaf's
     * vector made once), then for i = 0, LANES, ... < len: load the leaves at j = from + i (a buffer at i), the
     * steps one after another, store the outputs.
     */
    private static void loop(CodeBuilder c, List<Access> leafAccess, List<Step> steps, int[] written, List<Access> outputAccess) {
        int from = 2, len = 3;
        int leaves = leafAccess.size();
        int[] array = new int[leaves + written.length];
        int[] vector = new int[leaves + steps.size()];
        for (int k = 0; k < array.length; k++) {
            Access a = k < leaves ? leafAccess.get(k) : outputAccess.get(k - leaves);
            c.aload(1).loadConstant(k).aaload().checkcast(a == Access.BF16 ? SHORTS : FLOATS);
            if (a == Access.UNIFORM) {
                c.invokestatic(LANES, "uniform", MethodTypeDesc.of(VECTOR, FLOATS));
                c.astore(vector[k] = c.allocateLocal(TypeKind.REFERENCE));
            } else {
                c.astore(array[k] = c.allocateLocal(TypeKind.REFERENCE));
            }
        }
        for (int v = leaves; v < vector.length; v++) vector[v] = c.allocateLocal(TypeKind.REFERENCE);
        for (int k = 0; k < leaves; k++) if (leafAccess.get(k) != Access.UNIFORM) vector[k] = c.allocateLocal(TypeKind.REFERENCE);
        int i = c.allocateLocal(TypeKind.INT), j = c.allocateLocal(TypeKind.INT);
        c.iconst_0().istore(i);
        Label top = c.newLabel(), end = c.newLabel();
        c.labelBinding(top);
        c.iload(i).iload(len).if_icmpge(end);
        c.iload(from).iload(i).iadd().istore(j);
        for (int k = 0; k < leaves; k++) {
            Access a = leafAccess.get(k);
            if (a == Access.UNIFORM) continue;
            c.aload(array[k]).iload(a == Access.BUFFER ? i : j);
            if (a == Access.BF16) c.invokestatic(LANES, "loadBf16", MethodTypeDesc.of(VECTOR, SHORTS, CD_int));
            else c.invokestatic(LANES, "load", MethodTypeDesc.of(VECTOR, FLOATS, CD_int));
            c.astore(vector[k]);
        }
        for (int s = 0; s < steps.size(); s++) {
            Step step = steps.get(s);
            ClassDesc[] params = new ClassDesc[step.operands.length + (step.kind != null ? 1 : 0)];
            Arrays.fill(params, VECTOR);
            for (int o : step.operands) c.aload(vector[o]);
            if (step.kind != null) {
                ClassDesc kind = ClassDesc.of(step.kind.getDeclaringClass().getName());
                params[params.length - 1] = kind;
                c.getstatic(kind, step.kind.name(), kind);
            }
            c.invokestatic(LANES, step.method, MethodTypeDesc.of(VECTOR, params));
            c.astore(vector[leaves + s]);
        }
        for (int w = 0; w < written.length; w++) {
            Access a = outputAccess.get(w);
            c.aload(vector[written[w]]).aload(array[leaves + w]).iload(a == Access.BUFFER ? i : j);
            c.invokestatic(LANES, a == Access.BF16 ? "storeBf16" : "store", MethodTypeDesc.of(CD_void, VECTOR, a == Access.BF16 ? SHORTS : FLOATS, CD_int));
        }
        c.iinc(i, FusedLanes.LANES).goto_(top);
        c.labelBinding(end);
        c.return_();
    }
}
