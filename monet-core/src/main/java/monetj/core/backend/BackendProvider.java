package monetj.core.backend;

import java.util.List;
import java.util.ServiceLoader;

/**
 * A kind of backend, found by its name ({@code backend.kind}) through {@link ServiceLoader}: each module that
 * brings a backend lists its provider in {@code META-INF/services/monetj.core.backend.BackendProvider}.
 */
public interface BackendProvider {
    /** The name a run config or {@code --backend} uses, e.g. {@code java}, {@code pjrt}. */
    String name();

    /** What the backend declares without being opened (for {@code monet emit} and config resolution). */
    BackendCapabilities capabilities();

    /** Opens a backend of this kind. */
    Backend open(BackendRequest request);

    /** Every provider on the class path, in class-path order. */
    static List<BackendProvider> available() {
        return ServiceLoader.load(BackendProvider.class).stream().map(ServiceLoader.Provider::get).toList();
    }

    /** The provider named {@code name}; the error lists the names there are. */
    static BackendProvider named(String name) {
        List<BackendProvider> all = available();
        for (BackendProvider p : all) if (p.name().equals(name)) return p;
        throw new IllegalArgumentException("no backend named '" + name + "' on the class path (available: " + String.join(", ", all.stream().map(BackendProvider::name).toList())
                + "); a backend comes with its module, which must be on the class path");
    }
}
