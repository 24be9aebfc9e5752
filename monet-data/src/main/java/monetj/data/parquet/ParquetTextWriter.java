package monetj.data.parquet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.xerial.snappy.Snappy;

/**
 * Writes a flat Parquet file of optional string, int64 and double columns, snappy-compressed, one data
 * page per column chunk, each page with its CRC-32 (so readers notice corruption). Enough for the sample
 * corpus and for test files; the product reads Parquet with Hardwood, which has no writer yet. Rows are
 * buffered per row group, so memory stays bounded.
 */
public final class ParquetTextWriter implements AutoCloseable {
    public enum ColumnType { STRING, INT64, DOUBLE }

    public record Column(String name, ColumnType type) {}

    // Parquet enum values (parquet.thrift).
    private static final int TYPE_INT64 = 2, TYPE_DOUBLE = 5, TYPE_BYTE_ARRAY = 6;
    private static final int OPTIONAL = 1, CONVERTED_UTF8 = 0;
    private static final int ENCODING_PLAIN = 0, ENCODING_RLE = 3, CODEC_SNAPPY = 1, DATA_PAGE = 0;
    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

    private final Path path;
    private final List<Column> columns;
    private final int rowsPerGroup;
    private final OutputStream out;
    private final List<Object[]> pending = new ArrayList<>();
    private final List<byte[]> rowGroupFooters = new ArrayList<>();
    private long position;
    private long totalRows;

    public ParquetTextWriter(Path path, List<Column> columns, int rowsPerGroup) throws IOException {
        if (columns.isEmpty()) throw new IllegalArgumentException("a Parquet file needs at least one column");
        if (rowsPerGroup < 1) throw new IllegalArgumentException("rowsPerGroup must be positive, got " + rowsPerGroup);
        this.path = path;
        this.columns = List.copyOf(columns);
        this.rowsPerGroup = rowsPerGroup;
        this.out = Files.newOutputStream(path);
        write(MAGIC);
    }

    /** One row, values in column order; null is a missing value. */
    public void write(Object... row) throws IOException {
        if (row.length != columns.size()) {
            throw new IllegalArgumentException(path + ": row has " + row.length + " values for " + columns.size() + " columns");
        }
        for (int c = 0; c < row.length; c++) {
            Object v = row[c];
            boolean ok = v == null || switch (columns.get(c).type()) {
                case STRING -> v instanceof String || v instanceof byte[];
                case INT64 -> v instanceof Long || v instanceof Integer;
                case DOUBLE -> v instanceof Double || v instanceof Float;
            };
            if (!ok) throw new IllegalArgumentException(path + ": column " + columns.get(c).name() + " is " + columns.get(c).type() + ", got " + v.getClass().getSimpleName());
        }
        pending.add(row.clone());
        if (pending.size() == rowsPerGroup) flushRowGroup();
    }

    @Override
    public void close() throws IOException {
        try {
            if (!pending.isEmpty()) flushRowGroup();
            byte[] footer = footer();
            write(footer);
            write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(footer.length).array());
            write(MAGIC);
        } finally {
            out.close();
        }
    }

    private void flushRowGroup() throws IOException {
        ThriftCompactWriter group = new ThriftCompactWriter();
        group.structBegin();
        group.listField(1, ThriftCompactWriter.STRUCT, columns.size());
        long groupBytes = 0;
        for (int c = 0; c < columns.size(); c++) {
            byte[] pageData = pageData(c);
            byte[] compressed = Snappy.compress(pageData);
            byte[] header = pageHeader(pending.size(), pageData.length, compressed);
            long offset = position;
            write(header);
            write(compressed);
            long chunkBytes = header.length + (long) compressed.length;
            groupBytes += chunkBytes;
            columnChunk(group, c, offset, header.length + (long) pageData.length, chunkBytes);
        }
        group.i64(2, groupBytes);
        group.i64(3, pending.size());
        group.structEnd();
        rowGroupFooters.add(group.toByteArray());
        totalRows += pending.size();
        pending.clear();
    }

    /** Definition levels (1 = present) as one RLE/bit-packed hybrid block, then the PLAIN values. */
    private byte[] pageData(int column) {
        ByteArrayOutputStream levels = new ByteArrayOutputStream();
        int i = 0;
        while (i < pending.size()) {
            boolean present = pending.get(i)[column] != null;
            int run = 0;
            while (i < pending.size() && (pending.get(i)[column] != null) == present) { run++; i++; }
            unsignedVarint(levels, (long) run << 1);
            levels.write(present ? 1 : 0);
        }
        ByteBuffer values = ByteBuffer.allocate(valuesSize(column) + 4 + levels.size()).order(ByteOrder.LITTLE_ENDIAN);
        values.putInt(levels.size()).put(levels.toByteArray());
        for (Object[] row : pending) {
            Object v = row[column];
            if (v == null) continue;
            switch (columns.get(column).type()) {
                case STRING -> {
                    byte[] b = v instanceof byte[] raw ? raw : ((String) v).getBytes(StandardCharsets.UTF_8);
                    values.putInt(b.length).put(b);
                }
                case INT64 -> values.putLong(((Number) v).longValue());
                case DOUBLE -> values.putDouble(((Number) v).doubleValue());
            }
        }
        return values.array();
    }

    private int valuesSize(int column) {
        long n = 0;
        for (Object[] row : pending) {
            Object v = row[column];
            if (v == null) continue;
            n += switch (columns.get(column).type()) {
                case STRING -> 4 + (v instanceof byte[] raw ? raw.length : ((String) v).getBytes(StandardCharsets.UTF_8).length);
                case INT64, DOUBLE -> 8;
            };
        }
        if (n > Integer.MAX_VALUE - 64) throw new IllegalStateException(path + ": row group too large for one page; use fewer rows per group");
        return (int) n;
    }

    /** The header of a data page, with the CRC-32 of its compressed bytes so readers can detect corruption. */
    private static byte[] pageHeader(int numValues, int uncompressed, byte[] compressed) {
        CRC32 crc = new CRC32();
        crc.update(compressed);
        ThriftCompactWriter t = new ThriftCompactWriter();
        t.structBegin();
        t.i32(1, DATA_PAGE);
        t.i32(2, uncompressed);
        t.i32(3, compressed.length);
        t.i32(4, (int) crc.getValue());
        t.structField(5);
        t.i32(1, numValues);
        t.i32(2, ENCODING_PLAIN);
        t.i32(3, ENCODING_RLE);
        t.i32(4, ENCODING_RLE);
        t.structEnd();
        t.structEnd();
        return t.toByteArray();
    }

    private void columnChunk(ThriftCompactWriter t, int column, long offset, long uncompressedBytes, long compressedBytes) {
        t.structBegin();
        t.i64(2, offset);
        t.structField(3);
        t.i32(1, physicalType(columns.get(column).type()));
        t.listField(2, ThriftCompactWriter.I32, 2);
        t.rawI32(ENCODING_PLAIN);
        t.rawI32(ENCODING_RLE);
        t.listField(3, ThriftCompactWriter.BINARY, 1);
        t.rawString(columns.get(column).name());
        t.i32(4, CODEC_SNAPPY);
        t.i64(5, pending.size());
        t.i64(6, uncompressedBytes);
        t.i64(7, compressedBytes);
        t.i64(9, offset);
        t.structEnd();
        t.structEnd();
    }

    private byte[] footer() {
        ThriftCompactWriter t = new ThriftCompactWriter();
        t.structBegin();
        t.i32(1, 1);
        t.listField(2, ThriftCompactWriter.STRUCT, columns.size() + 1);
        t.structBegin();
        t.string(4, "schema");
        t.i32(5, columns.size());
        t.structEnd();
        for (Column c : columns) {
            t.structBegin();
            t.i32(1, physicalType(c.type()));
            t.i32(3, OPTIONAL);
            t.string(4, c.name());
            if (c.type() == ColumnType.STRING) {
                t.i32(6, CONVERTED_UTF8);
                t.structField(10); // LogicalType union: field 1 = STRING (an empty struct)
                t.structField(1);
                t.structEnd();
                t.structEnd();
            }
            t.structEnd();
        }
        t.i64(3, totalRows);
        t.listField(4, ThriftCompactWriter.STRUCT, rowGroupFooters.size());
        for (byte[] group : rowGroupFooters) t.rawStruct(group);
        t.string(6, "monet-j");
        t.structEnd();
        return t.toByteArray();
    }

    private static int physicalType(ColumnType type) {
        return switch (type) {
            case STRING -> TYPE_BYTE_ARRAY;
            case INT64 -> TYPE_INT64;
            case DOUBLE -> TYPE_DOUBLE;
        };
    }

    private static void unsignedVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private void write(byte[] bytes) throws IOException {
        out.write(bytes);
        position += bytes.length;
    }
}
