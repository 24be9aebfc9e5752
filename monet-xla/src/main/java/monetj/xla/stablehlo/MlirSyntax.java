package monetj.xla.stablehlo;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import monetj.core.tensor.TensorType;

/** Spellings of types and attribute values in MLIR text. */
final class MlirSyntax {
    private MlirSyntax() {}

    /** {@code tensor<2x3xf32>}, {@code tensor<f32>} for scalars. */
    static String type(TensorType t) {
        StringBuilder sb = new StringBuilder("tensor<");
        for (int d : t.shape().dims()) sb.append(d).append('x');
        return sb.append(t.dtype().stablehloName()).append('>').toString();
    }

    /** {@code (tensor<..>, tensor<..>)}: the parenthesised list used on both sides of a generic op's signature. */
    static String typeList(List<TensorType> types) {
        return types.stream().map(MlirSyntax::type).collect(Collectors.joining(", ", "(", ")"));
    }

    /** A dense i64 array attribute, {@code array<i64: 0, 2>} ({@code array<i64>} when empty). */
    static String i64Array(int[] values) {
        if (values.length == 0) return "array<i64>";
        return Arrays.stream(values).mapToObj(Integer::toString).collect(Collectors.joining(", ", "array<i64: ", ">"));
    }

    /** A bracketed integer list as used inside {@code #stablehlo.dot<...>}: {@code [0, 1]}. */
    static String intList(int[] values) {
        return Arrays.stream(values).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    /** A string literal with MLIR escapes (quotes, backslashes and non-printable bytes as \XX). */
    static String quoted(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) sb.append('\\').append(String.format("%02X", c));
            else sb.append((char) c);
        }
        return sb.append('"').toString();
    }

    /** A symbol name: kept as is when it is a bare identifier, quoted otherwise. */
    static String symbol(String name) {
        return name.matches("[A-Za-z_][A-Za-z0-9_$.]*") ? "@" + name : "@" + quoted(name);
    }
}
