package monetj.core.exec;

/**
 * The two reduction layouts done in one pass over contiguous memory: over the trailing dimensions (each result
 * is one run of {@code inner} elements: softmax, normalisation, losses) or over the leading ones (each result is
 * one column of a rows x cols matrix: the gradients of broadcast operands).
 */
enum ReduceLayout {
    ROWS, COLUMNS;

    /** The layout of reducing {@code dims} (sorted) of a rank-{@code rank} operand, or null for other reductions. */
    static ReduceLayout of(int[] dims, int rank) {
        int count = dims.length;
        if (count == 0) return null;
        if (dims[0] == rank - count && dims[count - 1] == rank - 1) return ROWS;
        if (dims[0] == 0 && dims[count - 1] == count - 1) return COLUMNS;
        return null;
    }
}
