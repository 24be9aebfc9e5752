package monetj.xla.pjrt;

import java.util.List;

/** No PJRT plugin was found; the message lists every place looked at. */
public final class PluginNotFoundException extends RuntimeException {
    private final List<String> looked;

    PluginNotFoundException(String summary, List<String> looked) {
        super(summary + "\n  looked at:\n    " + String.join("\n    ", looked)
                + "\n  Set MONET_PJRT_PLUGIN (or --plugin) to the plugin's .so, e.g. the xla_cuda_plugin.so of the jax-cuda13-pjrt wheel or libtpu.so.");
        this.looked = List.copyOf(looked);
    }

    /** The places looked at, in order. */
    public List<String> looked() { return looked; }
}
