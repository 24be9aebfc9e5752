package monetj.core.tensor;

/** Element types. Names follow StableHLO (for emission) and safetensors (for files). */
public enum DType {
    F64(8, "f64", "F64"),
    F32(4, "f32", "F32"),
    BF16(2, "bf16", "BF16"),
    F16(2, "f16", "F16"),
    S64(8, "i64", "I64"),
    S32(4, "i32", "I32"),
    PRED(1, "i1", "BOOL");

    private final int byteSize;
    private final String stablehlo;
    private final String safetensors;

    DType(int byteSize, String stablehlo, String safetensors) {
        this.byteSize = byteSize;
        this.stablehlo = stablehlo;
        this.safetensors = safetensors;
    }

    public int byteSize() { return byteSize; }

    /** Element type as spelled in StableHLO MLIR text (i1 for pred, i32 for s32, ...). */
    public String stablehloName() { return stablehlo; }

    /** Element type as spelled in a safetensors header. */
    public String safetensorsName() { return safetensors; }

    public boolean isFloating() { return this == F64 || this == F32 || this == BF16 || this == F16; }

    public boolean isInteger() { return this == S32 || this == S64; }

    public static DType fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.safetensors.equals(name)) return t;
        }
        throw new IllegalArgumentException("unsupported safetensors dtype '" + name + "' (supported: F64, F32, BF16, F16, I64, I32, BOOL)");
    }

    @Override
    public String toString() { return name().toLowerCase(); }
}
