package monetj.xla.pjrt;

import monetj.core.tensor.DType;

/** Monet-J dtypes as {@code PJRT_Buffer_Type} values (not xla.PrimitiveType's numbering: BF16 is 13 here). */
final class BufferTypes {
    private BufferTypes() {}

    static int of(DType t) {
        return switch (t) {
            case PRED -> 1;
            case S32 -> 4;
            case S64 -> 5;
            case F16 -> 10;
            case F32 -> 11;
            case F64 -> 12;
            case BF16 -> 13;
        };
    }
}
