package monetj.core.exec;

import monetj.core.backend.Backend;
import monetj.core.backend.BackendCapabilities;
import monetj.core.backend.BackendProvider;
import monetj.core.backend.BackendRequest;
import monetj.core.nn.Precision;

/** {@code backend.kind: java}: the embedded executor, f32 by default. */
public final class JavaExecutorProvider implements BackendProvider {
    private static final BackendCapabilities CAPABILITIES = new BackendCapabilities("java", Precision.F32); // as Backend.capabilities() by default

    @Override public String name() { return "java"; }

    @Override public BackendCapabilities capabilities() { return CAPABILITIES; }

    @Override public Backend open(BackendRequest request) { return new JavaExecutor(); }
}
