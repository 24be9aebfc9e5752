package monetj.train.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code metrics.jsonl}: one JSON object per line, flushed as written so a crash loses nothing already logged. */
public final class MetricsLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedWriter out;

    private MetricsLog(BufferedWriter out) { this.out = out; }

    /**
     * Opens the log for appending. Lines for steps after {@code resumeStep} (written after the checkpoint a run
     * resumes from) are dropped first, so the log reads as one uninterrupted run.
     */
    public static MetricsLog open(Path file, long resumeStep) throws IOException {
        if (Files.exists(file)) {
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (IOException e) {
                    continue; // a line cut short by a crash
                }
                if (!n.has("step") || n.get("step").asLong() <= resumeStep) kept.add(line);
            }
            Files.write(file, kept, StandardCharsets.UTF_8);
        }
        return new MetricsLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    }

    /** A log that writes nothing: what a process that is not process 0 keeps. */
    public static MetricsLog discarding() { return new MetricsLog(new BufferedWriter(java.io.Writer.nullWriter())); }

    public synchronized void write(Map<String, ?> record) throws IOException {
        out.write(JSON.writeValueAsString(record));
        out.newLine();
        out.flush();
    }

    /** All records of a metrics file. */
    public static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> r = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            try {
                r.add(JSON.readTree(line));
            } catch (IOException e) {
                // a truncated last line after a crash: skip it
            }
        }
        return r;
    }

    @Override
    public void close() throws IOException { out.close(); }
}
