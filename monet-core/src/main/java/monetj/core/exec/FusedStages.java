package monetj.core.exec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import monetj.core.ir.Node;
import monetj.core.ir.Value;

/**
 * A fused cluster's generated code as one or more bodies run one after another over each block: a cluster heavier
 * than one body may be ({@link FusedCodegen#MAX_WEIGHT}) is cut into runs of consecutive members that each fit,
 * and a value computed in one run and read in a later one passes through a block buffer, in f32 (a bf16 or boolean
 * value is held as its f32 equivalent in registers anyway, so the bits are those of one body or of the
 * interpreter). The bodies are called from the loop, not from each other, so the JIT compiles each on its own.
 * <p>
 * The loop's arrays are numbered: its leaves, then its outputs (as {@link FusedCodegen#of} takes them), then the
 * block buffers; each stage names the arrays its body takes.
 */
record FusedStages(List<Stage> stages, int buffers) {
    /** A body and, for each array it takes (its leaves, then its outputs), the number of the loop's array. */
    record Stage(GeneratedBody body, int[] arrays) {}

    /** Whether the JIT has compiled every body. */
    boolean compiled() { return stages.stream().allMatch(s -> s.body().compiled()); }

    /** Counts a run of the loop for each body's warm-up. */
    void ran() { for (Stage s : stages) s.body().ran(); }

    /**
     * The bodies computing {@code members} from {@code leaves} into {@code outputs} (arguments as for
     * {@link FusedCodegen#of}); null when a member is not one the generator emits.
     */
    static FusedStages of(List<Node> members, List<Value> leaves, List<FusedCodegen.Access> leafAccess, List<Value> outputs,
                          List<FusedCodegen.Access> outputAccess) {
        int arrays = leaves.size() + outputs.size();
        GeneratedBody whole = FusedCodegen.of(members, leaves, leafAccess, outputs, outputAccess);
        if (whole != null) return new FusedStages(List.of(new Stage(whole, IntStream.range(0, arrays).toArray())), 0);
        if (members.stream().anyMatch(n -> FusedCodegen.weight(n) < 0)) return null;
        Map<Value, Integer> leafIndex = new HashMap<>();
        for (int i = 0; i < leaves.size(); i++) leafIndex.put(leaves.get(i), i);
        List<List<Node>> runs = cut(members, leafIndex, leafAccess, outputs, outputAccess);
        Map<Value, Integer> runOf = new HashMap<>();
        for (int r = 0; r < runs.size(); r++) for (Node n : runs.get(r)) runOf.put(n.out(), r);
        Map<Value, Integer> buffer = new HashMap<>(); // values passed from one run to a later one: their buffer's array
        List<Stage> stages = new ArrayList<>();
        for (int r = 0; r < runs.size(); r++) {
            List<Node> run = runs.get(r);
            Set<Value> computed = new HashSet<>();
            List<Value> in = new ArrayList<>();
            List<FusedCodegen.Access> inAccess = new ArrayList<>();
            List<Integer> slots = new ArrayList<>();
            for (Node n : run) {
                for (Value v : n.inputs()) {
                    if (computed.contains(v) || in.contains(v)) continue;
                    in.add(v);
                    Integer leaf = leafIndex.get(v);
                    inAccess.add(leaf != null ? leafAccess.get(leaf) : FusedCodegen.Access.BUFFER);
                    slots.add(leaf != null ? leaf : buffer.get(v));
                }
                computed.add(n.out());
            }
            List<Value> out = new ArrayList<>();
            List<FusedCodegen.Access> outAccess = new ArrayList<>();
            for (int o = 0; o < outputs.size(); o++) {
                if (!computed.contains(outputs.get(o))) continue;
                out.add(outputs.get(o));
                outAccess.add(outputAccess.get(o));
                slots.add(leaves.size() + o);
            }
            for (int later = r + 1; later < runs.size(); later++) {
                for (Node n : runs.get(later)) {
                    for (Value v : n.inputs()) {
                        if (!computed.contains(v) || buffer.containsKey(v)) continue;
                        buffer.put(v, arrays + buffer.size());
                        out.add(v);
                        outAccess.add(FusedCodegen.Access.BUFFER);
                        slots.add(buffer.get(v));
                    }
                }
            }
            GeneratedBody body = FusedCodegen.of(run, in, inAccess, out, outAccess);
            if (body == null) return null;
            stages.add(new Stage(body, slots.stream().mapToInt(Integer::intValue).toArray()));
        }
        return new FusedStages(stages, buffer.size());
    }

    /**
     * Consecutive members in runs of at most {@link FusedCodegen#MAX_WEIGHT} each, counting every value a run
     * reads from outside it and every value it computes as an array access (an upper bound on what its body
     * loads and stores, so each run's body fits).
     */
    private static List<List<Node>> cut(List<Node> members, Map<Value, Integer> leafIndex, List<FusedCodegen.Access> leafAccess,
                                        List<Value> outputs, List<FusedCodegen.Access> outputAccess) {
        List<List<Node>> runs = new ArrayList<>();
        List<Node> run = new ArrayList<>();
        Set<Value> seen = new HashSet<>(); // computed in this run or read into it
        int weight = 0;
        for (Node n : members) {
            int w = cost(n, seen, leafIndex, leafAccess, outputs, outputAccess);
            if (!run.isEmpty() && weight + w > FusedCodegen.MAX_WEIGHT) {
                runs.add(run);
                run = new ArrayList<>();
                seen = new HashSet<>();
                w = cost(n, seen, leafIndex, leafAccess, outputs, outputAccess);
                weight = 0;
            }
            run.add(n);
            seen.addAll(n.inputs());
            seen.add(n.out());
            weight += w;
        }
        runs.add(run);
        return runs;
    }

    /** Member {@code n}'s weight in a run that has {@code seen} these values: its own, its reads of the others, its stores. */
    private static int cost(Node n, Set<Value> seen, Map<Value, Integer> leafIndex, List<FusedCodegen.Access> leafAccess,
                            List<Value> outputs, List<FusedCodegen.Access> outputAccess) {
        int w = FusedCodegen.weight(n) + 1; // and its value stored for a later run
        for (int o = 0; o < outputs.size(); o++) if (outputs.get(o).equals(n.out())) w += FusedCodegen.weight(outputAccess.get(o), true);
        Set<Value> reads = new HashSet<>();
        for (Value v : n.inputs()) {
            if (seen.contains(v) || !reads.add(v)) continue;
            Integer leaf = leafIndex.get(v);
            w += FusedCodegen.weight(leaf != null ? leafAccess.get(leaf) : FusedCodegen.Access.BUFFER, false);
        }
        return w;
    }
}
