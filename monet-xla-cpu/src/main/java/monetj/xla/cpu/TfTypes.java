package monetj.xla.cpu;

import monetj.core.tensor.DType;
import monetj.core.tensor.Shape;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/** Monet-J element types and shapes as TensorFlow spells them; each has the same bytes per element on both sides. */
final class TfTypes {
    private TfTypes() {}

    static DataType dataType(DType t) {
        return switch (t) {
            case F64 -> DataType.DT_DOUBLE;
            case F32 -> DataType.DT_FLOAT;
            case BF16 -> DataType.DT_BFLOAT16;
            case F16 -> DataType.DT_HALF;
            case S64 -> DataType.DT_INT64;
            case S32 -> DataType.DT_INT32;
            case PRED -> DataType.DT_BOOL;
        };
    }

    static Class<? extends TType> tensorClass(DType t) {
        return switch (t) {
            case F64 -> TFloat64.class;
            case F32 -> TFloat32.class;
            case BF16 -> TBfloat16.class;
            case F16 -> TFloat16.class;
            case S64 -> TInt64.class;
            case S32 -> TInt32.class;
            case PRED -> TBool.class;
        };
    }

    static org.tensorflow.ndarray.Shape shape(Shape s) {
        int[] d = s.dims();
        long[] dims = new long[d.length];
        for (int i = 0; i < d.length; i++) dims[i] = d[i];
        return org.tensorflow.ndarray.Shape.of(dims);
    }
}
