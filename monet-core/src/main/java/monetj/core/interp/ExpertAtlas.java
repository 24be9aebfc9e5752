package monetj.core.interp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** An expert atlas directory as written by {@link ExpertAtlasWriter}: its summary, and its group files line by line. */
public final class ExpertAtlas {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;
    private final JsonNode summary;

    private ExpertAtlas(Path dir, JsonNode summary) {
        this.dir = dir;
        this.summary = summary;
    }

    public static ExpertAtlas open(Path dir) throws IOException {
        Path file = dir.resolve(ExpertAtlasWriter.SUMMARY);
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(dir + ": no " + ExpertAtlasWriter.SUMMARY + " (not an atlas written by 'monet experts')");
        JsonNode s = JSON.readTree(file.toFile());
        if (!ExpertAtlasWriter.FORMAT.equals(s.path("format").asText())) {
            throw new IllegalArgumentException(file + ": format '" + s.path("format").asText() + "', expected " + ExpertAtlasWriter.FORMAT);
        }
        return new ExpertAtlas(dir, s);
    }

    public Path directory() { return dir; }

    public JsonNode summary() { return summary; }

    public String configHash() { return summary.path("config_hash").asText(); }

    public int groups() { return summary.path("groups").size(); }

    public int expertsPerAxis() { return summary.path("experts_per_axis").asInt(); }

    public long tokens() { return summary.path("tokens").asLong(); }

    /** Receives expert lines. */
    @FunctionalInterface
    public interface ExpertVisitor {
        void accept(JsonNode expert) throws IOException;
    }

    /** Calls {@code each} with every expert line of group {@code g}, in expert-id order. */
    public void forEachExpert(int g, ExpertVisitor each) throws IOException {
        if (g < 0 || g >= groups()) throw new IllegalArgumentException(dir + ": group " + g + " out of range [0, " + groups() + ")");
        try (BufferedReader in = Files.newBufferedReader(dir.resolve(ExpertAtlasWriter.groupFile(g)))) {
            String line;
            while ((line = in.readLine()) != null) if (!line.isBlank()) each.accept(JSON.readTree(line));
        }
    }

    /** The routing probability of every expert of group {@code g} on this corpus (mean score over all tokens), by id. */
    public double[] corpusMeans(int g) throws IOException {
        int e = expertsPerAxis();
        double[] m = new double[e * e];
        forEachExpert(g, n -> m[n.path("expert").asInt()] = n.path("mean_all").asDouble());
        return m;
    }
}
