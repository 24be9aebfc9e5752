package monetj.train.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.backend.Backend;
import monetj.core.backend.DeviceBuffer;
import monetj.core.program.Leaf;
import monetj.core.program.Signature;
import monetj.core.tensor.HostTensor;
import monetj.data.iter.TokenBatch;

/**
 * The batch leaves of a masked-loss program for the micro-batches of one optimizer step: {@code tokens},
 * {@code loss_mask} and {@code loss_targets}, the step's kept-target count divided by its micro-batches (see
 * {@code MaskedLoss}). Unmasked programs get {@code tokens} only.
 */
final class LossMaskInputs {
    private LossMaskInputs() {}

    /**
     * Leaves per micro-batch, on the backend, laid out as the program of {@code signature} takes them (on a mesh
     * the global batch split over data and fsdp, each device its rows); the caller closes them.
     */
    static List<Map<String, DeviceBuffer>> put(Backend backend, List<TokenBatch> micro, boolean masked, Signature signature) {
        return put(backend, micro, masked, masked ? keptTargets(micro) : 0, signature, 0);
    }

    /**
     * As {@link #put(Backend, List, boolean, Signature)} for rows {@code [firstRow, firstRow + rows)} of each global
     * micro-batch (the signature's batch leaves have the global shapes), each put with {@link Backend#putRows};
     * {@code stepTargets} is the kept-target count of the whole global step, which every process must pass alike.
     */
    static List<Map<String, DeviceBuffer>> put(Backend backend, List<TokenBatch> micro, boolean masked, long stepTargets, Signature signature, long firstRow) {
        float perMicro = (float) stepTargets / micro.size();
        List<Map<String, DeviceBuffer>> out = new ArrayList<>();
        try {
            for (TokenBatch b : micro) {
                Map<String, DeviceBuffer> leaves = new LinkedHashMap<>();
                out.add(leaves);
                leaves.put("tokens", rows(backend, b.tokens(), firstRow, signature.input("tokens")));
                if (masked) {
                    leaves.put("loss_mask", rows(backend, requireMask(b), firstRow, signature.input("loss_mask")));
                    leaves.put("loss_targets", backend.put(HostTensor.scalar(perMicro), signature.input("loss_targets").sharding()));
                }
            }
        } catch (RuntimeException e) {
            out.forEach(m -> m.values().forEach(DeviceBuffer::close));
            throw e;
        }
        return out;
    }

    private static DeviceBuffer rows(Backend backend, HostTensor part, long firstRow, Leaf leaf) {
        return backend.putRows(part, firstRow, leaf.type(), leaf.sharding());
    }

    /** The targets the loss counts in these micro-batches, all together. */
    static long keptTargets(List<TokenBatch> micro) {
        long kept = 0;
        for (TokenBatch b : micro) kept += keptTargets(requireMask(b));
        return kept;
    }

    private static HostTensor requireMask(TokenBatch b) {
        if (b.lossMask() == null) throw new IllegalStateException("the run's data carries a loss mask but a batch came without one");
        return b.lossMask();
    }

    /** Targets the loss counts in a [batch, seq + 1] mask: nonzero entries past the first column. */
    static long keptTargets(HostTensor mask) {
        int[] m = mask.ints();
        int width = mask.shape().dim(1);
        long n = 0;
        for (int i = 0; i < m.length; i++) if (i % width != 0 && m[i] != 0) n++;
        return n;
    }
}
