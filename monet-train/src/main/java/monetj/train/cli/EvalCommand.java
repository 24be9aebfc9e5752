package monetj.train.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import monetj.core.backend.Backend;
import monetj.core.interp.ExpertMask;
import monetj.core.model.ForwardProgram;
import monetj.core.model.HfModelDirectory;
import monetj.core.model.MonetConfig;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.train.interp.TokenRows;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code monet eval}: language-model loss per dataset, with and without an expert mask. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Loss per dataset, with and without an expert mask.",
                "Mean next-token loss on the first --batches x --batch rows of each dataset;",
                "with --mask also the masked loss and the change, and, when the mask is named",
                "after a dataset (NAME=SHARDS), delta-target and delta-others (mean of the rest)."})
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face model directory")
    Path model;

    @Option(names = "--data", required = true, arity = "1..*", description = "token shard directories, each SHARDS or NAME=SHARDS")
    List<String> data;

    @Option(names = "--mask", description = "expert mask (a .safetensors from 'monet mask select')")
    Path mask;

    @Option(names = "--batches", defaultValue = "4", description = "batches per dataset; default ${DEFAULT-VALUE}")
    int batches;

    @Option(names = "--batch", defaultValue = "4", description = "rows per batch; default ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--seq-len", defaultValue = "128", description = "row length (capped at max_position_embeddings); default ${DEFAULT-VALUE}")
    int seqLen;

    @Mixin
    BackendOptions backendOptions;

    @Override
    public Integer call() throws Exception {
        if (batches < 1 || batch < 1) throw new IllegalArgumentException("--batches and --batch must be positive");
        HfModelDirectory.Model m = HfModelDirectory.read(model);
        MonetConfig c = m.config();
        int t = Math.min(seqLen, c.maxPositionEmbeddings());
        Map<String, HostTensor> weights = new LinkedHashMap<>(m.f32Tensors());
        ExpertMask expertMask = mask == null ? null : ExpertMask.read(mask, c);
        if (expertMask != null) weights.putAll(expertMask.programInputs(c));
        Map<String, Path> sets = new LinkedHashMap<>();
        for (String d : data) {
            int eq = d.indexOf('=');
            Path p = Path.of(eq > 0 ? d.substring(eq + 1) : d);
            sets.put(eq > 0 ? d.substring(0, eq) : p.getFileName().toString(), p);
        }
        System.out.printf(Locale.ROOT, "%-20s %8s %10s %10s %10s%n", "dataset", "tokens", "loss", "masked", "delta");
        Map<String, Double> deltas = new LinkedHashMap<>();
        try (Backend backend = backendOptions.create()) {
            Map<Integer, ForwardProgram> plainByBatch = new LinkedHashMap<>(), maskedByBatch = new LinkedHashMap<>();
            for (var set : sets.entrySet()) {
                double loss = 0, maskedLoss = 0;
                int n = 0;
                try (TokenRows rows = TokenRows.ofShards(List.of(set.getValue()), t)) {
                    int b = (int) Math.min(batch, rows.rows());
                    ForwardProgram plain = plainByBatch.computeIfAbsent(b, k -> ForwardProgram.build(c, ForwardProgram.typesOf(weights), k, t, false, false));
                    ForwardProgram masked = expertMask == null ? null
                            : maskedByBatch.computeIfAbsent(b, k -> ForwardProgram.build(c, ForwardProgram.typesOf(weights), k, t, false, false, true));
                    for (long r0 = 0; r0 + b <= rows.rows() && n < batches; r0 += b, n++) {
                        int[] ids = new int[b * t];
                        for (int k = 0; k < b; k++) System.arraycopy(rows.row(r0 + k), 0, ids, k * t, t);
                        HostTensor in = HostTensor.of(Shape.of(b, t), ids);
                        ForwardProgram.checkIds(in, c);
                        loss += plain.run(backend, weights, in).get("loss").getDouble(0);
                        if (masked != null) maskedLoss += masked.run(backend, weights, in).get("loss").getDouble(0);
                    }
                    long tokens = (long) n * b * t;
                    loss /= n;
                    maskedLoss /= n;
                    if (masked != null) {
                        deltas.put(set.getKey(), maskedLoss - loss);
                        System.out.printf(Locale.ROOT, "%-20s %8d %10.4f %10.4f %+10.4f%n", set.getKey(), tokens, loss, maskedLoss, maskedLoss - loss);
                    } else {
                        System.out.printf(Locale.ROOT, "%-20s %8d %10.4f %10s %10s%n", set.getKey(), tokens, loss, "-", "-");
                    }
                }
            }
        }
        if (expertMask != null) {
            System.out.printf(Locale.ROOT, "mask %s (%s): %d of %d experts removed%n", mask, expertMask.rule(), expertMask.removed(),
                    (long) expertMask.experts() * expertMask.experts() * c.routerLayers().size());
            if (deltas.containsKey(expertMask.name()) && deltas.size() > 1) {
                List<Double> others = new ArrayList<>();
                deltas.forEach((k, v) -> { if (!k.equals(expertMask.name())) others.add(v); });
                System.out.printf(Locale.ROOT, "delta target (%s) %+.4f   delta others %+.4f%n", expertMask.name(), deltas.get(expertMask.name()),
                        others.stream().mapToDouble(Double::doubleValue).average().orElse(0));
            }
        }
        return 0;
    }
}
