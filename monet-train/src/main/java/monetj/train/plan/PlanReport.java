package monetj.train.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import monetj.core.model.Remat;

/** A {@link TrainingPlan} as text for people and as one JSON object for scripts. */
public final class PlanReport {
    private PlanReport() {}

    /** The tokens the days are counted for: the paper's 100B-token runs. */
    public static final double TOKENS = 100e9;

    public static String text(TrainingPlan p, String configName, boolean mfuGiven) {
        StringBuilder sb = new StringBuilder();
        Hardware hw = p.hardware();
        sb.append(String.format("monet plan: %s on %d x %s (%s)%n", configName, p.chips(), hw.description(), TrainingPlan.describe(p.mesh())));
        sb.append(String.format("  micro-batch %d x %d tokens, %d micro-batches per step (%,d tokens), %s, train.remat %s%n",
                p.microBatch(), p.seqLen(), p.microBatches(), p.tokensPerStep(), p.precision(), name(p.remat())));
        sb.append(String.format("per device%n"));
        row(sb, "parameters (as stored, with buffers)", p.paramBytes());
        row(sb, "gradients (accumulated, f32)", p.gradBytes());
        row(sb, "optimizer (AdamW m and v)", p.optimizerBytes());
        row(sb, "activations (remat " + name(p.remat()) + ")", p.activationBytes(p.activations()));
        ActivationMemory.Estimate a = p.activations();
        row(sb, "  held between layers", a.savedBetweenLayers());
        sb.append(String.format("  + the larger phase: %s%n", a.layerBackward() + p.gatheredLayerBytes() >= a.headBackward() + p.gatheredHeadBytes() ? "a layer's" : "the LM head's"));
        row(sb, "  a layer's backward", a.layerBackward());
        row(sb, "    and the weights gathered for it", p.gatheredLayerBytes());
        row(sb, "  the LM head's logits and gradient", a.headBackward());
        row(sb, "    and the embedding and head gathered", p.gatheredHeadBytes());
        row(sb, "total", p.totalBytes());
        sb.append(String.format("  of %.1f GiB HBM: %.0f%%, %s%n", gib(hw.hbmBytes()), 100.0 * p.totalBytes() / hw.hbmBytes(),
                p.fits() ? "fits" : "DOES NOT FIT (lower train.micro_batch_size, use train.remat: layer, or more chips)"));
        ActivationMemory.Estimate o = p.otherRemat();
        long otherTotal = p.totalBytes() - p.activationBytes(a) + p.activationBytes(o);
        sb.append(String.format("  with train.remat %s: activations %.2f GiB, total %.2f GiB (%s)%n", name(o.remat()), gib(p.activationBytes(o)), gib(otherTotal),
                otherTotal <= hw.hbmBytes() ? "fits" : "does not fit"));
        sb.append(String.format("compute%n"));
        sb.append(String.format("  model FLOPs per step       %.4g (%.3f GFLOP per token, FlopCount: 3 x forward, full-square attention)%n",
                p.flopsPerStep(), p.flopsPerStep() / p.tokensPerStep() / 1e9));
        sb.append(String.format("  step time                  %.2f s at MFU %.2f%s of %.0f TFLOP/s per chip%n", p.stepSeconds(), p.mfu(),
                mfuGiven ? "" : " (default; --mfu to change)", hw.peakFlopsPerSecond() / 1e12));
        sb.append(String.format("  tokens/s                   %,.0f%n", p.tokensPerSecond()));
        sb.append(String.format("  100B tokens                %.1f days%n", p.daysFor(TOKENS)));
        FsdpTraffic t = p.traffic();
        sb.append(String.format("FSDP collectives per device per step (%d micro-batches; weights gathered in forward and backward of each, f32 as stored)%n", p.microBatches()));
        row(sb, "all-gather", p.microBatches() * t.allGatherBytes());
        row(sb, "reduce-scatter", p.microBatches() * t.reduceScatterBytes());
        row(sb, "all-reduce", p.microBatches() * t.allReduceBytes());
        sb.append(String.format("  at %.0f GB/s (%s, one way)  %.2f s per step, %s%n", p.collectiveBytesPerSecond() / 1e9, hw.collectiveLink(t.batchGroup()),
                p.collectiveSeconds(), p.collectiveSeconds() <= p.stepSeconds() ? String.format("%.0f%% of the step time (overlapped with compute)", 100 * p.collectiveSeconds() / p.stepSeconds())
                        : "LONGER than the compute: the stated MFU is out of reach on this mesh (larger micro-batches, fewer micro-batches per step)"));
        return sb.toString();
    }

    public static String json(TrainingPlan p, String configName) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("config", configName);
        Hardware hw = p.hardware();
        ObjectNode h = root.putObject("hardware");
        h.put("name", hw.name());
        h.put("description", hw.description());
        h.put("peak_flops_per_s", hw.peakFlopsPerSecond());
        h.put("hbm_bytes", hw.hbmBytes());
        h.put("interconnect_bytes_per_s", hw.interconnectBytesPerSecond());
        h.put("network_bytes_per_s", hw.networkBytesPerSecond());
        root.put("chips", p.chips());
        ObjectNode mesh = root.putObject("mesh");
        for (int i = 0; i < p.mesh().length; i++) mesh.put(monetj.train.config.RunConfig.Mesh.AXES.get(i), p.mesh()[i]);
        root.put("micro_batch_size", p.microBatch());
        root.put("seq_len", p.seqLen());
        root.put("micro_batches_per_step", p.microBatches());
        root.put("tokens_per_step", p.tokensPerStep());
        root.put("precision", p.precision().name());
        root.put("remat", name(p.remat()));
        ObjectNode bytes = root.putObject("per_device_bytes");
        bytes.put("params", p.paramBytes());
        bytes.put("grads", p.gradBytes());
        bytes.put("optimizer", p.optimizerBytes());
        bytes.put("activations", p.activationBytes(p.activations()));
        bytes.put("total", p.totalBytes());
        ObjectNode acts = root.putObject("activation_bytes");
        for (ActivationMemory.Estimate e : new ActivationMemory.Estimate[] {p.activations(), p.otherRemat()}) {
            ObjectNode n = acts.putObject("remat_" + name(e.remat()));
            n.put("held_between_layers", e.savedBetweenLayers());
            n.put("layer_backward", e.layerBackward());
            n.put("head_backward", e.headBackward());
            n.put("total", p.activationBytes(e));
        }
        acts.put("gathered_layer_weights", p.gatheredLayerBytes());
        acts.put("gathered_embedding_and_head", p.gatheredHeadBytes());
        root.put("hbm_bytes", hw.hbmBytes());
        root.put("fits", p.fits());
        root.put("flops_per_step", p.flopsPerStep());
        root.put("mfu", p.mfu());
        root.put("step_seconds", p.stepSeconds());
        root.put("tokens_per_second", p.tokensPerSecond());
        root.put("days_per_100b_tokens", p.daysFor(TOKENS));
        ObjectNode c = root.putObject("collectives_per_step");
        FsdpTraffic t = p.traffic();
        c.put("all_gather_bytes", p.microBatches() * t.allGatherBytes());
        c.put("reduce_scatter_bytes", p.microBatches() * t.reduceScatterBytes());
        c.put("all_reduce_bytes", p.microBatches() * t.allReduceBytes());
        c.put("bandwidth_bytes_per_s", p.collectiveBytesPerSecond());
        c.put("seconds", p.collectiveSeconds());
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void row(StringBuilder sb, String what, long bytes) {
        sb.append(String.format("  %-38s %,18d bytes %10.2f GiB%n", what, bytes, gib(bytes)));
    }

    private static double gib(long bytes) { return bytes / (double) (1L << 30); }

    private static String name(Remat r) { return r.name().toLowerCase(); }
}
