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
import java.util.HexFormat;
import java.util.List;
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
    static void write(Path dir) throws IOException {
        ObjectNode files = JSON.createObjectNode();
        for (Path f : files(dir)) {
            files.putObject(f.getFileName().toString()).put("bytes", Files.size(f)).put("sha256", sha256(f));
        }
        ObjectNode root = JSON.createObjectNode();
        root.set("files", files);
        Files.writeString(dir.resolve(FILE_NAME), JSON.writeValueAsString(root) + "\n");
    }

    /** Throws {@link DamagedCheckpointException} naming the first file that is missing or differs from the manifest. */
    public static void verify(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) throw new DamagedCheckpointException(dir, FILE_NAME + " is missing");
        JsonNode files;
        try {
            files = JSON.readTree(Files.readString(file)).get("files");
        } catch (IOException e) {
            throw new DamagedCheckpointException(dir, FILE_NAME + " is unreadable: " + e.getMessage());
        }
        if (files == null || !files.isObject()) throw new DamagedCheckpointException(dir, FILE_NAME + " has no 'files' map");
        for (var it = files.fields(); it.hasNext(); ) {
            var e = it.next();
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
            return s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().equals(FILE_NAME)).sorted().toList();
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
