package monetj.data.parquet;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Writes the Thrift compact protocol, the encoding of Parquet's page headers and footer. Only what
 * {@link ParquetTextWriter} needs: structs, i32, i64, binary and lists of i32, strings or structs.
 */
final class ThriftCompactWriter {
    static final int I32 = 5, I64 = 6, BINARY = 8, LIST = 9, STRUCT = 12;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Deque<Integer> enclosingFieldIds = new ArrayDeque<>();
    private int lastFieldId;

    byte[] toByteArray() { return out.toByteArray(); }

    void structBegin() {
        enclosingFieldIds.push(lastFieldId);
        lastFieldId = 0;
    }

    void structEnd() {
        out.write(0);
        lastFieldId = enclosingFieldIds.pop();
    }

    void i32(int fieldId, int value) {
        fieldHeader(fieldId, I32);
        varint(zigzag(value));
    }

    void i64(int fieldId, long value) {
        fieldHeader(fieldId, I64);
        varint(zigzag(value));
    }

    void string(int fieldId, String value) {
        fieldHeader(fieldId, BINARY);
        rawString(value);
    }

    /** Opens a struct-valued field; close it with {@link #structEnd()}. */
    void structField(int fieldId) {
        fieldHeader(fieldId, STRUCT);
        structBegin();
    }

    /** Starts a list field; then write {@code size} elements with the raw* methods or structBegin/structEnd. */
    void listField(int fieldId, int elementType, int size) {
        fieldHeader(fieldId, LIST);
        if (size < 15) {
            out.write(size << 4 | elementType);
        } else {
            out.write(0xF0 | elementType);
            varint(size);
        }
    }

    /** A list element that is a struct already encoded on its own (field ids restart inside a struct). */
    void rawStruct(byte[] encoded) { out.writeBytes(encoded); }

    void rawI32(int value) { varint(zigzag(value)); }

    void rawString(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        varint(bytes.length);
        out.writeBytes(bytes);
    }

    private void fieldHeader(int fieldId, int type) {
        int delta = fieldId - lastFieldId;
        if (delta > 0 && delta <= 15) {
            out.write(delta << 4 | type);
        } else {
            out.write(type);
            varint(zigzag(fieldId));
        }
        lastFieldId = fieldId;
    }

    private static long zigzag(long v) { return (v << 1) ^ (v >> 63); }

    private void varint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
