package monetj.core.interp;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Writes an expert atlas directory: {@code group-G.jsonl} with one line per composed expert active at least once
 * (count, mean over its activations, mean over every token, max, top contexts highest first) and
 * {@code summary.json} (tokens seen, active experts and the activation-density histogram per group, the config
 * hash). Contexts are read back from the token rows at the end, so the pass itself keeps only (score, location).
 */
public final class ExpertAtlasWriter {
    public static final String FORMAT = "monet-expert-atlas/1";
    public static final String SUMMARY = "summary.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** log10 density bins are this wide. */
    public static final double HISTOGRAM_BIN = 0.25;

    private ExpertAtlasWriter() {}

    /** What the atlas was made from, for the summary. */
    public record Provenance(String model, String configHash, List<String> sources, String tokenizer, int seqLen, int context) {}

    /** Group file name for 0-based group {@code g}. */
    public static String groupFile(int g) { return "group-" + g + ".jsonl"; }

    /**
     * Writes the atlas of {@code groups} (0-based, in order; router layers alongside). Locations are
     * {@code row * seqLen + pos}; {@code rows} gives a row's ids; {@code pieces} (or null) adds decoded text.
     */
    public static void write(Path dir, List<ExpertStatistics> groups, List<Integer> routerLayers, int expertsPerAxis, Provenance p,
            LongFunction<int[]> rows, TokenPieces pieces) throws IOException {
        Files.createDirectories(dir);
        ObjectNode summary = JSON.createObjectNode();
        summary.put("format", FORMAT).put("model", p.model()).put("config_hash", p.configHash());
        summary.put("experts_per_axis", expertsPerAxis).put("experts_per_group", (long) expertsPerAxis * expertsPerAxis);
        summary.put("tokens", groups.isEmpty() ? 0 : groups.get(0).tokens()).put("threshold", groups.isEmpty() ? 0 : groups.get(0).threshold());
        summary.put("seq_len", p.seqLen()).put("context", p.context());
        summary.putPOJO("sources", p.sources());
        if (p.tokenizer() != null) summary.put("tokenizer", p.tokenizer());
        else summary.putNull("tokenizer");
        ArrayNode perGroup = summary.putArray("groups");
        JsonFactory factory = new JsonFactory();
        for (int g = 0; g < groups.size(); g++) {
            ExpertStatistics s = groups.get(g);
            long active = 0;
            try (JsonGenerator out = factory.createGenerator(Files.newOutputStream(dir.resolve(groupFile(g))), JsonEncoding.UTF8)) {
                out.setRootValueSeparator(new com.fasterxml.jackson.core.io.SerializedString("\n"));
                for (int e = 0; e < s.experts(); e++) {
                    if (s.count(e) == 0) continue;
                    active++;
                    writeExpert(out, g, e, expertsPerAxis, s, p, rows, pieces);
                }
                out.writeRaw('\n');
            }
            ObjectNode gn = perGroup.addObject();
            gn.put("group", g).put("router_layer", routerLayers.get(g)).put("active_experts", active).put("dead_experts", s.experts() - active);
            ObjectNode hist = gn.putObject("density_histogram");
            double[] density = new double[(int) active];
            int k = 0;
            for (int e = 0; e < s.experts(); e++) if (s.count(e) > 0) density[k++] = (double) s.count(e) / s.tokens();
            histogram(hist, density, s.tokens());
        }
        Files.writeString(dir.resolve(SUMMARY), JSON.writeValueAsString(summary) + "\n");
    }

    private static void writeExpert(JsonGenerator out, int g, int e, int axis, ExpertStatistics s, Provenance p, LongFunction<int[]> rows,
            TokenPieces pieces) throws IOException {
        out.writeStartObject();
        out.writeNumberField("group", g);
        out.writeNumberField("expert", e);
        out.writeNumberField("i", e / axis);
        out.writeNumberField("j", e % axis);
        out.writeNumberField("count", s.count(e));
        out.writeNumberField("density", (double) s.count(e) / s.tokens());
        out.writeNumberField("mean", (float) s.activeMean(e));
        out.writeNumberField("mean_all", s.corpusMean(e));
        out.writeNumberField("max", s.max(e));
        out.writeArrayFieldStart("top");
        for (ExpertStatistics.Activation a : s.top(e)) {
            long row = a.location() / p.seqLen();
            int pos = (int) (a.location() % p.seqLen());
            int[] ids = rows.apply(row);
            int from = Math.max(0, pos - p.context()), to = Math.min(ids.length, pos + p.context() + 1);
            int[] context = Arrays.copyOfRange(ids, from, to);
            out.writeStartObject();
            out.writeNumberField("score", a.score());
            out.writeNumberField("row", row);
            out.writeNumberField("pos", pos);
            out.writeNumberField("token", ids[pos]);
            out.writeFieldName("context");
            out.writeArray(context, 0, context.length);
            out.writeNumberField("at", pos - from);
            if (pieces != null) {
                out.writeStringField("token_text", pieces.piece(ids[pos]));
                out.writeStringField("text", pieces.text(context));
            }
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeEndObject();
    }

    /** Histogram of log10(activation density) over the active experts, bins of {@link #HISTOGRAM_BIN} from 1/tokens to 1. */
    private static void histogram(ObjectNode hist, double[] density, long tokens) {
        double lo = Math.floor(Math.log10(1.0 / Math.max(1, tokens)) / HISTOGRAM_BIN) * HISTOGRAM_BIN;
        int bins = Math.max(1, (int) Math.round(-lo / HISTOGRAM_BIN));
        long[] counts = new long[bins];
        for (double d : density) {
            int b = (int) Math.floor((Math.log10(d) - lo) / HISTOGRAM_BIN);
            counts[Math.min(bins - 1, Math.max(0, b))]++;
        }
        ArrayNode edges = hist.putArray("log10_edges");
        for (int b = 0; b <= bins; b++) edges.add(lo + b * HISTOGRAM_BIN);
        ArrayNode c = hist.putArray("counts");
        for (long n : counts) c.add(n);
    }
}
