package monetj.data.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads documents one at a time from a Parquet or JSON-lines file, never the whole file at once. Rows that
 * hold no usable text are reported to the {@link SkipLog} and passed over; unreadable files throw
 * {@link DataInputException} naming the file.
 */
public interface DocumentReader extends AutoCloseable {
    /** The next document, or null at the end of the file. */
    TextDocument next();

    /** Rows in the file when known without reading it (Parquet's footer), else -1; for progress reports. */
    default long rowCount() { return -1; }

    /** Bytes of the file consumed so far when the reader counts them (JSON lines), else -1; for progress reports. */
    default long bytesRead() { return -1; }

    @Override
    void close();

    /**
     * Opens {@code file} positioned at row {@code startRow} (0 for the beginning), reading the string column
     * {@code textColumn} (for JSON-lines, the field of that name).
     */
    static DocumentReader open(Path file, String textColumn, long startRow, SkipLog skips) {
        if (!Files.isRegularFile(file)) throw new DataInputException(file + ": no such file");
        try {
            if (Files.size(file) == 0) throw new DataInputException(file + ": empty file (0 bytes)");
        } catch (IOException e) {
            throw new DataInputException(file + ": cannot read: " + e.getMessage(), e);
        }
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".parquet")) return new ParquetDocumentReader(file, textColumn, startRow, skips);
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
            return new JsonLinesDocumentReader(file, textColumn, startRow, skips);
        }
        throw new DataInputException(file + ": unknown input format; expected .parquet, .jsonl, .ndjson or .json (JSON lines)");
    }
}
