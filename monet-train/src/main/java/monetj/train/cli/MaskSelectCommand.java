package monetj.train.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import monetj.core.backend.Backend;
import monetj.core.interp.ComposedScores;
import monetj.core.interp.ExpertAtlas;
import monetj.core.interp.ExpertMask;
import monetj.core.interp.ModelFingerprint;
import monetj.core.interp.RoutingCapture;
import monetj.core.interp.ScoreCorrelation;
import monetj.core.interp.SkewSelection;
import monetj.core.model.ForwardProgram;
import monetj.core.model.HfModelDirectory;
import monetj.core.model.MonetConfig;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import monetj.core.tensor.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code monet mask select}: expert masks by the paper's skew rule over domain atlases, or by Pearson correlation. */
@Command(name = "select", mixinStandardHelpOptions = true,
        description = {"Select experts to remove; writes OUT/<name>.safetensors and OUT/report.json.",
                "skew:R     experts whose mean score on domain D is >= R x that on the second",
                "           domain (--by-domain NAME=ATLAS ...); one mask per domain.",
                "pearson:R  experts whose score correlates with a per-token score at r >= R",
                "           (--model, --token-scores FILE: input_ids int32 and scores f32 [B,T]).",
                "experts:G:ID,...  the listed experts (group G, id i*E + j; needs --model).",
                "report.json: experts removed per group and mask, and their share of all."})
public final class MaskSelectCommand implements Callable<Integer> {
    @Option(names = "--rule", required = true, description = "skew:RATIO, pearson:R or experts:G:ID[,G:ID...]")
    String rule;

    @Option(names = "--by-domain", arity = "1..*", description = "NAME=ATLAS, one per domain (skew rule)")
    List<String> domains;

    @Option(names = "--model", description = "Hugging Face model directory (pearson and experts rules; with skew, the atlases' config hash is checked against it)")
    Path model;

    @Option(names = "--token-scores", description = "safetensors with input_ids int32 [B,T] and scores f32 [B,T] (pearson rule)")
    Path tokenScores;

    @Option(names = "--batch", defaultValue = "8", description = "rows per forward pass (pearson rule); default ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--out", required = true, description = "directory for the masks and report.json")
    Path out;

    @Mixin
    BackendOptions backendOptions;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public Integer call() throws Exception {
        int colon = rule.indexOf(':');
        if (colon < 0) throw new IllegalArgumentException("--rule must be skew:RATIO or pearson:R, got '" + rule + "'");
        String kind = rule.substring(0, colon), arg = rule.substring(colon + 1);
        Map<String, ExpertMask> masks = switch (kind) {
            case "skew" -> skew(number(arg));
            case "pearson" -> Map.of("pearson", pearson(number(arg)));
            case "experts" -> Map.of("experts", listed(arg));
            default -> throw new IllegalArgumentException("--rule must be skew:RATIO, pearson:R or experts:G:ID,..., got '" + rule + "'");
        };
        Files.createDirectories(out);
        for (var e : masks.entrySet()) e.getValue().write(out.resolve(e.getKey() + ".safetensors"));
        report(masks);
        return 0;
    }

    private double number(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--rule " + rule + ": '" + s + "' is not a number");
        }
    }

    /** Experts named by group and id, {@code G:ID} comma-separated. */
    private ExpertMask listed(String list) throws Exception {
        if (model == null) throw new IllegalArgumentException("the experts rule needs --model (the mask is made for its shape and config hash)");
        MonetConfig c = HfModelDirectory.read(model).config();
        ExpertMask mask = ExpertMask.none(c, "experts", rule);
        int e = c.moeExperts(), groups = c.routerLayers().size();
        for (String item : list.split(",")) {
            String[] parts = item.trim().split(":");
            if (parts.length != 2) throw new IllegalArgumentException("--rule experts: '" + item + "' is not GROUP:EXPERT_ID");
            int g, id;
            try {
                g = Integer.parseInt(parts[0]);
                id = Integer.parseInt(parts[1]);
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("--rule experts: '" + item + "' is not GROUP:EXPERT_ID (two integers)");
            }
            if (g < 0 || g >= groups) throw new IllegalArgumentException("group " + g + " is out of range: the model has groups 0 to " + (groups - 1));
            if (id < 0 || id >= e * e) {
                throw new IllegalArgumentException("expert id " + id + " of group " + g + " is out of range [0, " + e * e + "): ids are i*" + e + " + j with i, j < " + e);
            }
            mask.groups().get(g)[id] = true;
        }
        return mask;
    }

    private Map<String, ExpertMask> skew(double ratio) throws Exception {
        if (domains == null) throw new IllegalArgumentException("the skew rule needs --by-domain NAME=ATLAS for two or more domains");
        Map<String, ExpertAtlas> atlases = new LinkedHashMap<>();
        for (String d : domains) {
            int eq = d.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--by-domain wants NAME=ATLAS, got '" + d + "'");
            String name = d.substring(0, eq);
            if (!name.matches("[A-Za-z0-9_.+-]+")) throw new IllegalArgumentException("--by-domain name '" + name + "' may only use letters, digits and _ . + -");
            if (atlases.put(name, ExpertAtlas.open(Path.of(d.substring(eq + 1)))) != null) throw new IllegalArgumentException("domain " + name + " given twice");
        }
        if (model != null) {
            MonetConfig c = HfModelDirectory.read(model).config();
            for (var a : atlases.entrySet()) ModelFingerprint.require(c, a.getValue().configHash(), "atlas " + a.getValue().directory());
        }
        return SkewSelection.select(atlases, ratio);
    }

    private ExpertMask pearson(double threshold) throws Exception {
        if (model == null || tokenScores == null) throw new IllegalArgumentException("the pearson rule needs --model and --token-scores");
        HfModelDirectory.Model m = HfModelDirectory.read(model);
        MonetConfig c = m.config();
        Map<String, HostTensor> file = Safetensors.read(tokenScores).tensors();
        HostTensor ids = file.get("input_ids"), scores = file.get("scores");
        if (ids == null || scores == null) throw new IllegalArgumentException(tokenScores + ": needs tensors input_ids int32 [B,T] and scores f32 [B,T]");
        ForwardProgram.checkIds(ids, c);
        if (!scores.shape().equals(ids.shape())) throw new IllegalArgumentException(tokenScores + ": scores " + scores.type() + " do not match input_ids " + ids.type());
        int b = ids.shape().dim(0), t = ids.shape().dim(1), e = c.moeExperts(), stride = c.moeHeads() * e;
        int[] all = ids.ints();
        double[] tokenScore = scores.to(DType.F64).doubles();
        int groups = c.routerLayers().size();
        List<ScoreCorrelation> corr = new ArrayList<>();
        for (int g = 0; g < groups; g++) corr.add(new ScoreCorrelation(e * e));
        ComposedScores cs = new ComposedScores(c.moeHeads(), e);
        try (Backend backend = backendOptions.create(); RoutingCapture capture = new RoutingCapture(c, m.f32Tensors(), backend)) {
            for (int r0 = 0; r0 < b; r0 += batch) {
                int n = Math.min(batch, b - r0);
                int[] slice = java.util.Arrays.copyOfRange(all, r0 * t, (r0 + n) * t);
                List<RoutingCapture.GroupRouting> routing = capture.route(HostTensor.of(Shape.of(n, t), slice));
                for (int g = 0; g < groups; g++) {
                    for (int tok = 0; tok < n * t; tok++) {
                        cs.compute(routing.get(g).g1(), tok * stride, routing.get(g).g2(), tok * stride);
                        corr.get(g).add(cs.ids(), cs.scores(), cs.size(), tokenScore[r0 * t + tok]);
                    }
                }
            }
        }
        Map<Integer, boolean[]> selected = new TreeMap<>();
        for (int g = 0; g < groups; g++) {
            boolean[] mask = new boolean[e * e];
            for (int x = 0; x < e * e; x++) mask[x] = corr.get(g).r(x) >= threshold;
            selected.put(g, mask);
        }
        return new ExpertMask(e, selected, ModelFingerprint.of(c), "pearson", "pearson:" + threshold);
    }

    private void report(Map<String, ExpertMask> masks) throws Exception {
        ObjectNode report = JSON.createObjectNode();
        report.put("rule", rule);
        ArrayNode list = report.putArray("masks");
        System.out.printf(Locale.ROOT, "%-16s %-12s %s%n", "mask", "share", "experts removed per group");
        for (var e : masks.entrySet()) {
            ExpertMask m = e.getValue();
            long all = (long) m.experts() * m.experts() * m.groups().size();
            ObjectNode n = list.addObject();
            n.put("name", e.getKey()).put("file", e.getKey() + ".safetensors").put("removed", m.removed()).put("share", (double) m.removed() / all);
            ArrayNode per = n.putArray("removed_per_group");
            StringBuilder sb = new StringBuilder();
            for (int g : m.groups().keySet()) {
                per.add(m.removed(g));
                sb.append(g == 0 ? "" : " / ").append(m.removed(g));
            }
            System.out.printf(Locale.ROOT, "%-16s %-12s %s -> %d%n", e.getKey(), String.format(Locale.ROOT, "%.3f%%", 100.0 * m.removed() / all), sb, m.removed());
        }
        Files.writeString(out.resolve("report.json"), JSON.writeValueAsString(report) + "\n");
        System.err.println("monet mask select: masks and report.json written to " + out);
    }
}
