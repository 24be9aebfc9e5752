package monetj.train.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.backend.Backend;
import monetj.core.backend.DeviceBuffer;
import monetj.core.ir.Sharding;
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
        float perMicro = 0;
        if (masked) {
            long kept = 0;
            for (TokenBatch b : micro) {
                if (b.lossMask() == null) throw new IllegalStateException("the run's data carries a loss mask but a batch came without one");
                kept += keptTargets(b.lossMask());
            }
            perMicro = (float) kept / micro.size();
        }
        List<Map<String, DeviceBuffer>> out = new ArrayList<>();
        for (TokenBatch b : micro) {
            Map<String, DeviceBuffer> leaves = new LinkedHashMap<>();
            leaves.put("tokens", backend.put(b.tokens(), sharding(signature, "tokens")));
            if (masked) {
                leaves.put("loss_mask", backend.put(b.lossMask(), sharding(signature, "loss_mask")));
                leaves.put("loss_targets", backend.put(HostTensor.scalar(perMicro), sharding(signature, "loss_targets")));
            }
            out.add(leaves);
        }
        return out;
    }

    private static Sharding sharding(Signature signature, String leaf) { return signature.input(leaf).sharding(); }

    /** Targets the loss counts in a [batch, seq + 1] mask: nonzero entries past the first column. */
    static long keptTargets(HostTensor mask) {
        int[] m = mask.ints();
        int width = mask.shape().dim(1);
        long n = 0;
        for (int i = 0; i < m.length; i++) if (i % width != 0 && m[i] != 0) n++;
        return n;
    }
}
