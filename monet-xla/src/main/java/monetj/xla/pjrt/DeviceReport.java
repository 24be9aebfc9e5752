package monetj.xla.pjrt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What {@code monet devices} prints: the plugin, its PJRT version and attributes, the platform and each device. */
public final class DeviceReport {
    private DeviceReport() {}

    public static List<String> of(Path pluginPath) {
        PjrtPlugin plugin = PjrtPlugin.load(pluginPath);
        List<String> lines = new ArrayList<>();
        lines.add("plugin      " + plugin.path());
        lines.add("PJRT C API  " + plugin.apiVersion() + " (PJRT_Api.struct_size " + plugin.apiStructSize() + ")");
        lines.add("extensions  " + (plugin.extensions().isEmpty() ? "(none)" : String.join(", ", plugin.extensions())));
        for (Map.Entry<String, Object> a : plugin.attributes().entrySet()) lines.add("  " + a.getKey() + " = " + PjrtPlugin.format(a.getValue()));
        try (PjrtClient client = PjrtClient.create(plugin, ClientOptions.defaultsFor(pluginPath))) {
            lines.add("platform    " + client.platformName() + " (" + client.platformVersion() + ")");
            lines.add("devices     " + client.devices().size());
            for (PjrtDevice d : client.devices()) {
                MemoryStats m = client.memoryStats(d);
                String memory = m == null ? "memory: not reported"
                        : "memory: " + mib(m.bytesInUse()) + " in use" + (m.bytesLimit() >= 0 ? " of " + mib(m.bytesLimit()) : "");
                lines.add(String.format("  id %d  %s  process %d  local %d  %s", d.id(), d.kind(), d.processIndex(), d.localHardwareId(), memory));
            }
        }
        return lines;
    }

    private static String mib(long bytes) { return String.format("%.1f MiB", bytes / (1024.0 * 1024.0)); }
}
