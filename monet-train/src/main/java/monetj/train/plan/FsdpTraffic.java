package monetj.train.plan;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.ir.Sharding;
import monetj.core.nn.Module;
import monetj.core.nn.Param;

/**
 * The FSDP collectives of one micro-batch on one device, from a sharded model. A weight split over mesh axes that also
 * split the batch (the axes of the {@code batch} rule: data, fsdp) is all-gathered over them before use: in the forward
 * pass and again in the backward pass (the gathered weights are not kept from one to the other, as with rematerialised
 * FSDP layers). Its gradient is reduce-scattered over the same axes, and all-reduced over the batch axes it is not split
 * over (pure data parallelism; replicated weights such as the norms). Axes that split a weight along with its
 * activations (tensor, expert) stay split: no gather.
 *
 * <p>Bytes are those one device receives (a ring all-gather or reduce-scatter over n devices moves (n-1)/n of the whole
 * tensor through each device; an all-reduce twice that), in the weights' stored dtype: the f32 masters are gathered as
 * stored, and the gradients are f32. Also the bytes of one layer's gathered weights, which a device holds in full while
 * it computes that layer.
 */
public record FsdpTraffic(long allGatherBytes, long reduceScatterBytes, long allReduceBytes, int batchGroup,
        long largestLayerGatheredBytes, long largestLayerGatheredTrainedBytes, long otherGatheredBytes, long otherGatheredTrainedBytes) {

    /** The collectives of {@code model}, sharded by {@code rules}; gradients only for the {@code trained} paths. */
    public static FsdpTraffic of(Module model, LogicalAxisRules rules, Set<String> trained) {
        List<String> batchAxes = rules.rules().getOrDefault("batch", List.of()).stream().filter(a -> rules.mesh().size(a) > 1).toList();
        int group = 1;
        for (String a : batchAxes) group *= rules.mesh().size(a);
        long gather = 0, scatter = 0, reduce = 0, other = 0, otherTrained = 0;
        Map<String, long[]> layers = new LinkedHashMap<>(); // layer prefix -> {gathered, gathered trained}
        for (Param p : model.variables()) {
            if (!p.trainable()) continue; // BatchNorm statistics: replicated, no gradient
            long shard = shardBytes(p);
            int f = gatheredParts(p.sharding(), batchAxes);
            boolean learns = trained.contains(p.path());
            gather += 2 * shard * (f - 1);
            if (learns) {
                scatter += shard * (f - 1);
                int r = group / f;
                reduce += 2 * shard * (r - 1) / r;
            }
            long full = f > 1 ? shard * f : 0; // held whole while in use; unsplit weights are used in place
            String layer = layerOf(p.path());
            if (layer == null) {
                other += full;
                if (learns) otherTrained += full;
            } else {
                long[] sums = layers.computeIfAbsent(layer, k -> new long[2]);
                sums[0] += full;
                if (learns) sums[1] += full;
            }
        }
        long[] largest = layers.values().stream().max(java.util.Comparator.comparingLong((long[] s) -> s[0])).orElse(new long[2]);
        return new FsdpTraffic(gather, scatter, reduce, group, largest[0], largest[1], other, otherTrained);
    }

    private static int gatheredParts(Sharding s, List<String> batchAxes) {
        if (s == null) return 1;
        int n = 1;
        for (List<String> dim : s.dims()) for (String a : dim) if (batchAxes.contains(a)) n *= s.mesh().size(a);
        return n;
    }

    private static long shardBytes(Param p) {
        Sharding s = p.sharding();
        return (s == null ? p.type().shape().size() : s.shardShape(p.type().shape()).size()) * p.type().dtype().byteSize();
    }

    /** "model.layers.7" for a decoder layer's variable, null for the embedding, final norm and LM head. */
    private static String layerOf(String path) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(model\\.layers\\.\\d+)\\.").matcher(path);
        return m.find() ? m.group(1) : null;
    }
}
