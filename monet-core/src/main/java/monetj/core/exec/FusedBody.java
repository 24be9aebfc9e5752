package monetj.core.exec;

/** A fused cluster's loop body as generated code (see {@link FusedCodegen}). */
interface FusedBody {
    /**
     * Computes elements [from, from + len) of the loop, {@code len} a multiple of {@link FusedLanes#LANES}: reads
     * each leaf's array (at from + i, or at i for a block buffer the caller filled), writes each output's (the same).
     * {@code arrays}: the leaves' arrays, then the outputs', in the order the generator was given them.
     */
    void run(Object[] arrays, int from, int len);
}
