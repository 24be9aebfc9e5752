package monetj.data.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Streams JSON-lines documents: one JSON object per line with a string field holding the text. Lines are
 * read as bytes and decoded strictly, so invalid UTF-8 is counted and skipped rather than mangled; a line
 * that is not JSON is an error naming the file and line.
 */
final class JsonLinesDocumentReader implements DocumentReader {
    // A line is already one String in memory when it is parsed, so Jackson's 20M-character guard on string
    // values protects nothing here and would fail a prepare on one long document.
    private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build()).build());

    private final Path file;
    private final String field;
    private final SkipLog skips;
    private final InputStream in;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private long row;
    private long consumed;

    JsonLinesDocumentReader(Path file, String field, long startRow, SkipLog skips) {
        this.file = file;
        this.field = field;
        this.skips = skips;
        try {
            this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
            for (long r = 0; r < startRow; r++) {
                if (!readLine()) throw new DataInputException(file + ": cannot start at line " + (startRow + 1) + ", the file has " + r + " lines");
            }
        } catch (IOException e) {
            throw new DataInputException(file + ": cannot read: " + e.getMessage(), e);
        }
        this.row = startRow;
    }

    @Override
    public TextDocument next() {
        try {
            while (readLine()) {
                long here = row++;
                byte[] bytes = line.toByteArray();
                if (isBlank(bytes)) {
                    skips.skip("blank line", file.toString(), here);
                    continue;
                }
                String decoded = Utf8Text.decodeOrNull(bytes, 0, bytes.length);
                if (decoded == null) {
                    skips.skip("invalid UTF-8", file.toString(), here);
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(decoded);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new DataInputException(file + " line " + (here + 1) + ": not valid JSON: " + e.getOriginalMessage());
                }
                JsonNode text = node.get(field);
                if (text == null || text.isNull()) {
                    skips.skip("no '" + field + "' field", file.toString(), here);
                    continue;
                }
                if (!text.isTextual()) throw new DataInputException(file + " line " + (here + 1) + ": field '" + field + "' is " + text.getNodeType() + ", not a string");
                if (text.textValue().isEmpty()) {
                    skips.skip("empty text", file.toString(), here);
                    continue;
                }
                return new TextDocument(file.toString(), here, text.textValue());
            }
            return null;
        } catch (IOException e) {
            throw new DataInputException(file + " line " + (row + 1) + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Reads the next line (without its terminator) into {@link #line}; false at the end of the file. */
    private boolean readLine() throws IOException {
        line.reset();
        int b = in.read();
        if (b < 0) return false;
        while (b >= 0 && b != '\n') {
            line.write(b);
            b = in.read();
        }
        consumed += line.size() + (b >= 0 ? 1 : 0);
        return true;
    }

    @Override
    public long bytesRead() { return consumed; }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) if (b != ' ' && b != '\t' && b != '\r') return false;
        return true;
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // Nothing was written; a failed close of an input stream loses no data.
        }
    }
}
