package monetj.train.interp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import monetj.core.interp.DirectEffect;
import monetj.core.interp.ExpertAtlas;
import monetj.core.interp.TokenPieces;

/**
 * Writes the static expert viewer: {@code index.html}, {@code viewer.js}, {@code viewer.css} and the atlas as
 * JavaScript data files ({@code data/summary.js}, {@code data/g<G>/b<B>.js} with {@value #BLOCK} experts each,
 * {@code data/tokens.js}) that the page loads with script tags, which browsers allow from {@code file://} where
 * they refuse fetches. Nothing is served; the directory can be zipped and mailed.
 */
public final class ViewerSite {
    static final int BLOCK = 256;
    private static final int LISTED_PER_GROUP = 100, EXPERTS_PER_TOKEN = 50, EFFECT_TOKENS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ViewerSite() {}

    /** {@code effects} per group (or null when no model was given); {@code pieces} (or null) gives token text. */
    public static void write(ExpertAtlas atlas, Path site, List<DirectEffect> effects, TokenPieces pieces) throws IOException {
        Files.createDirectories(site.resolve("data"));
        for (String asset : List.of("index.html", "viewer.js", "viewer.css")) {
            try (InputStream in = ViewerSite.class.getResourceAsStream("/monetj/viewer/" + asset)) {
                if (in == null) throw new IllegalStateException("viewer asset " + asset + " missing from the jar");
                Files.write(site.resolve(asset), in.readAllBytes());
            }
        }
        int e = atlas.expertsPerAxis();
        // token -> its best experts (group, expert, score), a min-heap bounded at EXPERTS_PER_TOKEN
        Map<Integer, PriorityQueue<double[]>> tokenIndex = new HashMap<>();
        Map<Integer, String> shownPieces = new TreeMap<>();
        ObjectNode summary = (ObjectNode) atlas.summary().deepCopy();
        ObjectNode listed = summary.putObject("listed");
        for (int g = 0; g < atlas.groups(); g++) {
            Path dir = site.resolve("data/g" + g);
            Files.createDirectories(dir);
            List<JsonNode> mostActive = new ArrayList<>();
            ObjectNode[] block = {null};
            int[] blockId = {-1};
            int group = g;
            DirectEffect effect = effects == null ? null : effects.get(g);
            int[] effTokens = new int[EFFECT_TOKENS];
            float[] effValues = new float[EFFECT_TOKENS];
            atlas.forEachExpert(g, line -> {
                int id = line.path("expert").asInt();
                ObjectNode x = (ObjectNode) line;
                java.util.Set<Integer> indexed = new java.util.HashSet<>();
                for (JsonNode t : x.path("top")) {
                    ObjectNode top = (ObjectNode) t;
                    ArrayNode ps = top.putArray("pieces");
                    for (JsonNode tok : top.path("context")) ps.add(piece(pieces, tok.asInt()));
                    top.remove("text");
                    int token = top.path("token").asInt();
                    shownPieces.put(token, piece(pieces, token));
                    if (indexed.add(token)) {
                        PriorityQueue<double[]> q = tokenIndex.computeIfAbsent(token, k -> new PriorityQueue<>(Comparator.comparingDouble((double[] a) -> a[2])));
                        q.add(new double[] {group, id, top.path("score").asDouble()});
                        if (q.size() > EXPERTS_PER_TOKEN) q.poll();
                    }
                }
                if (effect != null) {
                    int n = effect.top(id, EFFECT_TOKENS, effTokens, effValues);
                    ArrayNode eff = x.putArray("effect");
                    for (int k = 0; k < n; k++) eff.addArray().add(piece(pieces, effTokens[k])).add(effValues[k]);
                }
                if (id / BLOCK != blockId[0]) {
                    flush(dir, group, blockId[0], block[0]);
                    blockId[0] = id / BLOCK;
                    block[0] = JSON.createObjectNode();
                }
                block[0].set(Integer.toString(id), x);
                mostActive.add(JSON.createObjectNode().put("expert", id).put("count", x.path("count").asLong()).put("max", x.path("max").asDouble())
                        .put("token", x.path("top").path(0).path("pieces").path(x.path("top").path(0).path("at").asInt()).asText("")));
                mostActive.sort(Comparator.comparingLong((JsonNode n) -> -n.path("count").asLong()));
                if (mostActive.size() > LISTED_PER_GROUP) mostActive.remove(mostActive.size() - 1);
            });
            flush(dir, g, blockId[0], block[0]);
            ArrayNode l = listed.putArray(Integer.toString(g));
            mostActive.forEach(l::add);
        }
        summary.put("block", BLOCK).put("experts_per_axis", e).put("has_effects", effects != null);
        script(site.resolve("data/summary.js"), "MonetAtlas.onSummary(", summary);
        ObjectNode tokens = JSON.createObjectNode();
        ObjectNode p = tokens.putObject("pieces");
        shownPieces.forEach((id, s) -> p.put(Integer.toString(id), s));
        ObjectNode index = tokens.putObject("index");
        tokenIndex.forEach((token, q) -> {
            List<double[]> best = new ArrayList<>(q);
            best.sort(Comparator.comparingDouble((double[] a) -> -a[2]));
            ArrayNode arr = index.putArray(Integer.toString(token));
            for (double[] a : best) arr.addArray().add((int) a[0]).add((int) a[1]).add((float) a[2]);
        });
        script(site.resolve("data/tokens.js"), "MonetAtlas.onTokens(", tokens);
    }

    private static void flush(Path dir, int g, int blockId, ObjectNode block) throws IOException {
        if (block != null) script(dir.resolve("b" + blockId + ".js"), "MonetAtlas.onExperts(" + g + "," + blockId + ",", block);
    }

    private static String piece(TokenPieces pieces, int id) { return pieces == null ? "#" + id : pieces.piece(id); }

    private static void script(Path file, String call, JsonNode data) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(call);
            w.write(JSON.writeValueAsString(data));
            w.write(");\n");
        }
    }
}
