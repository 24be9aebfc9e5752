package monetj.train.plan;

import java.util.List;
import java.util.Set;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.model.Remat;
import monetj.core.nn.Precision;
import monetj.core.tensor.Shape;
import monetj.train.config.ConfigException;
import monetj.train.config.RunConfig;
import monetj.train.mesh.MeshPlan;
import monetj.train.mesh.ShardingTable;
import monetj.train.run.Backends;
import monetj.train.run.FlopCount;
import monetj.train.step.TrainStepProgram;

/**
 * What a run costs on {@code chips} chips of one kind: bytes per device (weights as stored and sharded, as
 * {@code monet emit --sharding-table} counts them; gradients and AdamW moments of the trained weights; activations with
 * the working set of one layer's backward, see {@link ActivationMemory}, plus the weights FSDP gathers for it), model
 * FLOPs per step ({@link FlopCount}), the step time at a stated MFU, and the FSDP collectives of every micro-batch.
 *
 * <p>The step time is the model FLOPs over the chips' peak at the MFU (what metrics.jsonl's MFU measures: model FLOPs,
 * the recompute of remat not counted). The collectives are assumed to overlap the compute; {@link #collectiveSeconds()}
 * says how long they take at full bandwidth, and when that exceeds the step time the stated MFU is out of reach.
 */
public record TrainingPlan(Hardware hardware, int chips, int[] mesh, int microBatch, int seqLen, int microBatches, Precision precision, Remat remat,
        long paramBytes, long gradBytes, long optimizerBytes, ActivationMemory.Estimate activations, ActivationMemory.Estimate otherRemat,
        FsdpTraffic traffic, double flopsPerStep, double mfu) {

    /** Tokens of the whole batch per optimizer step. */
    public long tokensPerStep() { return (long) microBatch * microBatches * seqLen; }

    /** Weights held whole while one layer, or the embedding and LM head, is computed: two in flight (this one and the next, prefetched) and the gradients before reduce-scatter. */
    public long gatheredLayerBytes() { return 2 * traffic.largestLayerGatheredBytes() + traffic.largestLayerGatheredTrainedBytes(); }

    public long gatheredHeadBytes() { return traffic.otherGatheredBytes() + traffic.otherGatheredTrainedBytes(); }

    /** Activation bytes at a remat setting: held between layers plus the larger of the layer and head phases with their gathered weights. */
    public long activationBytes(ActivationMemory.Estimate e) {
        return e.savedBetweenLayers() + Math.max(e.layerBackward() + gatheredLayerBytes(), e.headBackward() + gatheredHeadBytes());
    }

    public long totalBytes() { return paramBytes + gradBytes + optimizerBytes + activationBytes(activations); }

    public boolean fits() { return totalBytes() <= hardware.hbmBytes(); }

    public double stepSeconds() { return flopsPerStep / (chips * hardware.peakFlopsPerSecond() * mfu); }

    public double tokensPerSecond() { return tokensPerStep() / stepSeconds(); }

    public double daysFor(double tokens) { return tokens / tokensPerSecond() / 86400; }

    /** Bytes one device receives in FSDP collectives per optimizer step: every micro-batch gathers and reduces anew. */
    public long collectiveBytesPerStep() { return microBatches * (traffic.allGatherBytes() + traffic.reduceScatterBytes() + traffic.allReduceBytes()); }

    public double collectiveBytesPerSecond() { return hardware.collectiveBytesPerSecond(traffic.batchGroup()); }

    public double collectiveSeconds() { return collectiveBytesPerStep() / collectiveBytesPerSecond(); }

    /**
     * The plan of run config {@code rc} (model {@code model}) on {@code chips} chips. The mesh must span exactly the
     * chips (a -1 axis takes the rest) and split every weight and the micro-batch evenly; refusals name both.
     */
    public static TrainingPlan of(RunConfig rc, MonetConfig model, Hardware hardware, int chips, double mfu) {
        if (chips < 1) throw new IllegalArgumentException("--chips must be at least 1, got " + chips);
        if (!(mfu > 0 && mfu <= 1)) throw new IllegalArgumentException("--mfu must be in (0, 1], got " + mfu);
        RunConfig.Mesh m = rc.mesh();
        int[] sizes = meshOn(m, chips);
        LogicalAxisRules rules = MeshPlan.rules(m, chips);
        MonetModel sharded = new MonetModel(model);
        int micro = rc.train().microBatchSize(), seq = rc.data().seqLen();
        try {
            sharded.shard(rules);
            rules.sharding("tokens", TrainStepProgram.TOKEN_AXES, Shape.of(micro, seq + 1));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("mesh", "on " + chips + " chips (" + describe(sizes) + "): " + e.getMessage());
        }
        Precision precision = Backends.precision(rc);
        TrainStepProgram.Settings settings = TrainStepProgram.Settings.of(rc, model, precision);
        Set<String> trained = settings.trained();
        ShardingTable.Totals totals = ShardingTable.totals(sharded);
        long grads = sharded.parameters().stream().filter(p -> trained.contains(p.path()))
                .mapToLong(p -> (p.sharding() == null ? p.type().shape() : p.sharding().shardShape(p.type().shape())).size() * p.type().dtype().byteSize()).sum();
        Remat remat = settings.remat(), other = remat == Remat.NONE ? Remat.LAYER : Remat.NONE;
        double flops = FlopCount.trainingFlopsPerToken(model, seq) * rc.train().batchSize() * (double) seq;
        return new TrainingPlan(hardware, chips, sizes, micro, seq, rc.train().accumulationSteps(), precision, remat,
                totals.parameterBytes() + totals.bufferBytes(), grads, 2 * grads,
                ActivationMemory.of(model, precision, rules, micro, seq, remat), ActivationMemory.of(model, precision, rules, micro, seq, other),
                FsdpTraffic.of(sharded, rules, trained), flops, mfu);
    }

    /** The mesh sizes on {@code chips} chips; a mesh that cannot span them is refused naming the mesh and the count. */
    private static int[] meshOn(RunConfig.Mesh m, int chips) {
        int[] written = m.sizes();
        try {
            return m.resolve(chips);
        } catch (ConfigException e) {
            String spans = m.fixed() ? "spans " + MeshPlan.impliedDevices(m) + " chips"
                    : "needs a multiple of " + java.util.Arrays.stream(written).filter(s -> s > 0).reduce(1, (x, y) -> x * y) + " chips";
            throw new IllegalArgumentException("--chips " + chips + " does not match the run's mesh: " + describe(written) + " " + spans
                    + " (set --chips to match, or the mesh with --set mesh.fsdp=N)");
        }
    }

    static String describe(int[] sizes) {
        List<String> parts = new java.util.ArrayList<>();
        for (int i = 0; i < sizes.length; i++) parts.add(RunConfig.Mesh.AXES.get(i) + "=" + sizes[i]);
        return "mesh " + String.join(", ", parts);
    }
}
