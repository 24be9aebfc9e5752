package monetj.xla.cpu;

import monetj.core.backend.Backend;
import monetj.core.backend.BackendCapabilities;
import monetj.core.backend.BackendProvider;
import monetj.core.backend.BackendRequest;
import monetj.core.nn.Precision;

/** {@code backend.kind: xla-cpu}: XLA's CPU compiler through TensorFlow; f32 by default, as on any CPU. */
public final class XlaCpuBackendProvider implements BackendProvider {
    @Override public String name() { return XlaCpuBackend.KIND; }

    @Override public BackendCapabilities capabilities() { return new BackendCapabilities(XlaCpuBackend.KIND, Precision.F32); }

    @Override public Backend open(BackendRequest request) { return new XlaCpuBackend(); }
}
