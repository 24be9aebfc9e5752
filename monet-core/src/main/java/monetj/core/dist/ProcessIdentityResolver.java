package monetj.core.dist;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Resolves this process's identity, field by field, from the first source that gives it: the command line
 * ({@code --process-id}, {@code --num-processes}, {@code --coordinator HOST:PORT}), then {@code MONET_PROCESS_ID},
 * {@code MONET_NUM_PROCESSES}, {@code MONET_COORDINATOR}, then {@code TPU_WORKER_ID} and {@code TPU_WORKER_HOSTNAMES}
 * (set off GCE, they override the metadata server), then the Cloud TPU metadata server, and else a single process.
 * The metadata server is asked only when {@code askMetadata} is set (a TPU run) and a field is still missing, so an
 * ordinary run never waits on the network.
 */
public final class ProcessIdentityResolver {
    /** What the command line gave; null where a flag was not passed. */
    public record Flags(Integer processId, Integer processCount, String coordinator) {
        public static Flags none() { return new Flags(null, null, null); }
    }

    private final Map<String, String> env;
    private final TpuMetadata metadata;

    /** {@code metadata} may be null: never asked. */
    public ProcessIdentityResolver(Map<String, String> env, TpuMetadata metadata) {
        this.env = env;
        this.metadata = metadata;
    }

    /** The process environment and the real metadata server. */
    public static ProcessIdentityResolver system() { return new ProcessIdentityResolver(System.getenv(), TpuMetadata.google()); }

    public ProcessIdentity resolve(Flags flags, boolean askMetadata) {
        List<String> sources = new ArrayList<>();
        Integer id = flags.processId();
        Integer count = flags.processCount();
        Address coordinator = flags.coordinator() == null ? null : Address.parse(flags.coordinator(), "--coordinator");
        if (id != null || count != null || coordinator != null) sources.add("flags");

        int before = filled(id, count, coordinator);
        if (id == null) id = integer("MONET_PROCESS_ID");
        if (count == null) count = integer("MONET_NUM_PROCESSES");
        if (coordinator == null && present("MONET_COORDINATOR")) coordinator = Address.parse(env.get("MONET_COORDINATOR").strip(), "MONET_COORDINATOR");
        if (filled(id, count, coordinator) > before) sources.add("MONET_* environment");

        before = filled(id, count, coordinator);
        if (id == null) id = integer("TPU_WORKER_ID");
        if ((count == null || coordinator == null) && present("TPU_WORKER_HOSTNAMES")) {
            List<String> hosts = hostList(env.get("TPU_WORKER_HOSTNAMES"), "TPU_WORKER_HOSTNAMES");
            if (count == null) count = hosts.size();
            if (coordinator == null) coordinator = new Address(hosts.getFirst(), ProcessIdentity.DEFAULT_PORT);
        }
        if (filled(id, count, coordinator) > before) sources.add("TPU_* environment");

        if (askMetadata && metadata != null && (id == null || count == null || coordinator == null)) {
            TpuMetadata.Workers w = metadata.workers();
            if (w != null) {
                if (id == null) id = w.workerId();
                if (count == null) count = w.hosts().size();
                if (coordinator == null) coordinator = new Address(w.hosts().getFirst(), ProcessIdentity.DEFAULT_PORT);
                sources.add("metadata server " + metadata.baseUrl());
            }
        }

        if (count == null) count = 1;
        if (id == null) id = 0;
        String source = sources.isEmpty() ? "default: a single process" : "from " + String.join(", ", sources);
        return new ProcessIdentity(id, count, coordinator == null ? null : coordinator.host(), coordinator == null ? 0 : coordinator.port(), source);
    }

    private static int filled(Object... values) {
        int n = 0;
        for (Object v : values) if (v != null) n++;
        return n;
    }

    private boolean present(String name) {
        String v = env.get(name);
        return v != null && !v.isBlank();
    }

    private Integer integer(String name) {
        if (!present(name)) return null;
        String v = env.get(name).strip();
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + v + " is not an integer");
        }
    }

    /** A comma-separated host list, as TPU_WORKER_HOSTNAMES is. */
    static List<String> hostList(String value, String what) {
        List<String> hosts = new ArrayList<>();
        for (String h : value.split(",")) if (!h.isBlank()) hosts.add(h.strip());
        if (hosts.isEmpty()) throw new IllegalArgumentException(what + "=" + value + " names no host");
        return hosts;
    }

    /** A parsed HOST:PORT ({@code [v6]:port} for IPv6). */
    record Address(String host, int port) {
        static Address parse(String text, String what) {
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || colon == text.length() - 1) throw new IllegalArgumentException(what + " " + text + " is not HOST:PORT");
            String host = text.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            int port;
            try {
                port = Integer.parseInt(text.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + " " + text + ": the port " + text.substring(colon + 1) + " is not a number");
            }
            if (port < 1 || port > 65535) throw new IllegalArgumentException(what + " " + text + ": the port must be in [1, 65535]");
            return new Address(host, port);
        }
    }
}
