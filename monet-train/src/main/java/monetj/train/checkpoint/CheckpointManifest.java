package monetj.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * {@code manifest.json} of a checkpoint: the size and SHA-256 of every other file, written before the checkpoint
 * is renamed into place and verified before it is read, so a flipped bit or a truncated file is found on resume
 * instead of training on from damaged weights.
 */
public final class CheckpointManifest {
    static final String FILE_NAME = "manifest.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CheckpointManifest() {}

    /** Records every file of {@code dir}. */
    static void write(Path dir) throws IOException { write(dir, entries(files(dir))); }

    /**
     * One process's part of a multi-process checkpoint's manifest: the entries of the files it wrote, kept in
     * {@code dir} as a hidden file until the coordinator merges the parts ({@link #writeMerged}).
     */
    static void writePart(Path dir, int process, List<Path> written) throws IOException {
        Files.writeString(dir.resolve(part(process)), JSON.writeValueAsString(entries(written)));
    }

    /**
     * The manifest of a directory the processes of a run wrote together: the parts of processes {@code 0..count-1}
     * (each hashed its own files, so no host reads back another's shards) and the entries of the other files, which
     * the coordinator wrote. The parts are removed.
     */
    static void writeMerged(Path dir, int count) throws IOException {
        ObjectNode files = JSON.createObjectNode();
        for (int p = 0; p < count; p++) {
            Path f = dir.resolve(part(p));
            if (!Files.isRegularFile(f)) throw new IOException(dir + ": process " + p + " left no manifest part (" + part(p) + "): its files are not all written");
            JSON.readTree(Files.readString(f)).fields().forEachRemaining(e -> files.set(e.getKey(), e.getValue()));
        }
        List<Path> rest = files(dir).stream().filter(f -> !files.has(f.getFileName().toString())).toList();
        files.setAll(entries(rest));
        write(dir, files);
        for (int p = 0; p < count; p++) Files.delete(dir.resolve(part(p)));
    }

    private static void write(Path dir, ObjectNode files) throws IOException {
        ObjectNode sorted = JSON.createObjectNode();
        List<String> names = new ArrayList<>();
        files.fieldNames().forEachRemaining(names::add);
        names.stream().sorted().forEach(n -> sorted.set(n, files.get(n)));
        ObjectNode root = JSON.createObjectNode();
        root.set("files", sorted);
        Files.writeString(dir.resolve(FILE_NAME), JSON.writeValueAsString(root) + "\n");
    }

    private static ObjectNode entries(List<Path> files) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        for (Path f : files) out.putObject(f.getFileName().toString()).put("bytes", Files.size(f)).put("sha256", sha256(f));
        return out;
    }

    private static String part(int process) { return ".manifest-process-" + process + ".json"; }

    /** Throws {@link DamagedCheckpointException} naming the first file that is missing or differs from the manifest. */
    public static void verify(Path dir) throws IOException { verify(dir, name -> true, Set.of()); }

    /**
     * As {@link #verify(Path)} for the files whose names pass {@code which} only (those one process reads); a name in
     * {@code listed} that the manifest does not list is damage too.
     */
    public static void verify(Path dir, Predicate<String> which, Set<String> listed) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) throw new DamagedCheckpointException(dir, FILE_NAME + " is missing");
        JsonNode files;
        try {
            files = JSON.readTree(Files.readString(file)).get("files");
        } catch (IOException e) {
            throw new DamagedCheckpointException(dir, FILE_NAME + " is unreadable: " + e.getMessage());
        }
        if (files == null || !files.isObject()) throw new DamagedCheckpointException(dir, FILE_NAME + " has no 'files' map");
        for (String name : listed) if (!files.has(name)) throw new DamagedCheckpointException(dir, name + " is not in " + FILE_NAME);
        for (var it = files.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!which.test(e.getKey())) continue;
            Path f = dir.resolve(e.getKey());
            if (!Files.isRegularFile(f)) throw new DamagedCheckpointException(dir, e.getKey() + " is missing");
            long bytes = Files.size(f);
            if (bytes != e.getValue().path("bytes").asLong()) {
                throw new DamagedCheckpointException(dir, e.getKey() + " has " + bytes + " bytes, the manifest says " + e.getValue().path("bytes").asLong());
            }
            String sum = sha256(f);
            if (!sum.equals(e.getValue().path("sha256").asText())) {
                throw new DamagedCheckpointException(dir, e.getKey() + " has SHA-256 " + sum + ", the manifest says " + e.getValue().path("sha256").asText());
            }
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            // Hidden files are the parts of a manifest being merged, not checkpoint contents.
            return s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().equals(FILE_NAME) && !f.getFileName().toString().startsWith("."))
                    .sorted().toList();
        }
    }

    private static String sha256(Path f) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(f)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
