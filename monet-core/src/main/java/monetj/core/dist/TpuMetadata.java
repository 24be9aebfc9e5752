package monetj.core.dist;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Cloud TPU VM's view of its slice, from the GCE metadata server: {@code agent-worker-number} (this VM's
 * worker id) and {@code worker-network-endpoints} (every worker, in worker order, as {@code a:b:IP} entries
 * separated by commas). Each request has a short timeout, so off GCE the answer "not a TPU VM" comes quickly.
 */
public final class TpuMetadata {
    /** The attributes directory of the real metadata server. */
    public static final String GOOGLE = "http://metadata.google.internal/computeMetadata/v1/instance/attributes/";

    /** This worker's id and every worker's address (worker 0 first). */
    public record Workers(int workerId, List<String> hosts) {}

    private final String baseUrl;
    private final Duration timeout;
    private final HttpClient http;

    /** {@code baseUrl} ends with the attributes directory ({@link #GOOGLE}; a test serves its own on loopback). */
    public TpuMetadata(String baseUrl, Duration timeout) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).proxy(HttpClient.Builder.NO_PROXY).build();
    }

    public static TpuMetadata google() { return new TpuMetadata(GOOGLE, Duration.ofSeconds(2)); }

    public String baseUrl() { return baseUrl; }

    /** The slice's workers, or null where no metadata server answers (not a Cloud TPU VM). */
    public Workers workers() {
        String id = attribute("agent-worker-number");
        if (id == null) return null;
        String endpoints = attribute("worker-network-endpoints");
        if (endpoints == null) throw new IllegalStateException(baseUrl + "agent-worker-number is set but worker-network-endpoints is not");
        int worker;
        try {
            worker = Integer.parseInt(id.strip());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(baseUrl + "agent-worker-number is '" + id.strip() + "', not an integer");
        }
        List<String> hosts = new ArrayList<>();
        for (String entry : endpoints.strip().split(",")) {
            if (entry.isBlank()) continue;
            String[] parts = entry.strip().split(":");
            if (parts.length < 3) throw new IllegalStateException(baseUrl + "worker-network-endpoints entry '" + entry + "' is not of the form a:b:IP");
            hosts.add(parts[2]);
        }
        if (hosts.isEmpty()) throw new IllegalStateException(baseUrl + "worker-network-endpoints lists no worker");
        if (worker < 0 || worker >= hosts.size()) {
            throw new IllegalStateException(baseUrl + "agent-worker-number " + worker + " is not among the " + hosts.size() + " workers of worker-network-endpoints");
        }
        return new Workers(worker, List.copyOf(hosts));
    }

    /** One attribute's text; null when the server is unreachable or does not have it. */
    private String attribute(String name) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + name)).header("Metadata-Flavor", "Google").timeout(timeout).GET().build();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null; // no metadata server here
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
