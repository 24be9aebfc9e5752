package monetj.data.source;

import dev.hardwood.InputFile;
import dev.hardwood.metadata.PhysicalType;
import dev.hardwood.reader.ParquetFileReader;
import dev.hardwood.reader.RowReader;
import dev.hardwood.schema.ColumnProjection;
import dev.hardwood.schema.ColumnSchema;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Streams the text column of a Parquet file through Hardwood (row group by row group, only the projected
 * column decoded). Text is read as raw bytes and decoded strictly, so invalid UTF-8 is caught, not mangled.
 */
final class ParquetDocumentReader implements DocumentReader {
    // Hardwood logs its SIMD choice at INFO on first use; keep the CLI's output to what the user asked for.
    private static final java.util.logging.Logger HARDWOOD_LOG = java.util.logging.Logger.getLogger("dev.hardwood");

    static {
        HARDWOOD_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    private final Path file;
    private final String column;
    private final SkipLog skips;
    private final ParquetFileReader parquet;
    private final RowReader rows;
    private long row;

    ParquetDocumentReader(Path file, String column, long startRow, SkipLog skips) {
        this.file = file;
        this.column = column;
        this.skips = skips;
        this.row = startRow;
        try {
            parquet = ParquetFileReader.open(InputFile.of(file));
        } catch (Exception e) {
            throw new DataInputException(file + ": not a readable Parquet file (corrupt or truncated?): " + e.getMessage(), e);
        }
        try {
            ColumnSchema schema = findColumn();
            if (schema.type() != PhysicalType.BYTE_ARRAY) {
                throw new DataInputException(file + ": column '" + column + "' holds " + schema.type() + ", not text");
            }
            long total = parquet.getFileMetaData().numRows();
            if (startRow > total) throw new DataInputException(file + ": cannot start at row " + startRow + ", the file has " + total + " rows");
            rows = parquet.buildRowReader().projection(ColumnProjection.columns(column)).skip(startRow).build();
        } catch (RuntimeException e) {
            closeQuietly();
            throw e instanceof DataInputException d ? d : new DataInputException(file + ": cannot decode (corrupt or truncated file?): " + e.getMessage(), e);
        }
    }

    private ColumnSchema findColumn() {
        for (ColumnSchema c : parquet.getFileSchema().getColumns()) {
            if (c.name().equals(column)) return c;
        }
        String names = parquet.getFileSchema().getColumns().stream().map(ColumnSchema::name).collect(Collectors.joining(", "));
        throw new DataInputException(file + ": no column '" + column + "' (columns: " + names + ")");
    }

    @Override
    public TextDocument next() {
        while (true) {
            byte[] bytes;
            try {
                if (!rows.hasNext()) return null;
                rows.next();
                bytes = rows.isNull(column) ? null : rows.getBinary(column);
            } catch (DataInputException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new DataInputException(file + " row " + row + ": cannot decode (corrupt or truncated file?): " + e.getMessage(), e);
            }
            long here = row++;
            if (bytes == null) {
                skips.skip("null text", file.toString(), here);
                continue;
            }
            if (bytes.length == 0) {
                skips.skip("empty text", file.toString(), here);
                continue;
            }
            String text = Utf8Text.decodeOrNull(bytes, 0, bytes.length);
            if (text == null) {
                skips.skip("invalid UTF-8", file.toString(), here);
                continue;
            }
            return new TextDocument(file.toString(), here, text);
        }
    }

    @Override
    public long rowCount() { return parquet.getFileMetaData().numRows(); }

    @Override
    public void close() {
        if (rows != null) rows.close();
        closeQuietly();
    }

    private void closeQuietly() {
        try {
            parquet.close();
        } catch (Exception ignored) {
            // Closing a reader that failed to open fully; the original error is the one to report.
        }
    }
}
