package monetj.xla.pjrt;

import monetj.core.backend.Backend;
import monetj.core.backend.BackendCapabilities;
import monetj.core.backend.BackendProvider;
import monetj.core.backend.BackendRequest;
import monetj.core.nn.Precision;
import monetj.xla.stablehlo.Partitioner;

/** {@code backend.kind: pjrt}: a PJRT plugin (TPU, GPU, CPU), bf16-mixed by default. */
public final class PjrtBackendProvider implements BackendProvider {
    @Override public String name() { return "pjrt"; }

    @Override public BackendCapabilities capabilities() { return new BackendCapabilities("pjrt", Precision.BF16_MIXED); }

    @Override public Backend open(BackendRequest request) {
        PjrtBackend backend = PjrtBackend.open(request.plugin(), request.memoryFraction(), request.processes());
        return request.partitioner() == null ? backend : backend.writingFor(Partitioner.named(request.partitioner()));
    }
}
