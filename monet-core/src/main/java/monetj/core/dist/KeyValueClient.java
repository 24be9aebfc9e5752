package monetj.core.dist;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * A process's handle on the key-value store process 0 serves ({@link KeyValueServer}), over the JDK's HTTP
 * client. Every request has a deadline. A coordinator that is not up yet (process 0 starts a little later) or a
 * dropped connection is retried until the call's deadline, then reported naming the coordinator.
 */
public final class KeyValueClient implements KeyValueStore {
    private static final Duration REQUEST_MARGIN = Duration.ofSeconds(10);
    private static final long RETRY_PAUSE_MS = 100;

    private final String base;
    private final String coordinator;
    private final Duration putTimeout;
    private final HttpClient http;

    /** A client of the coordinator at {@code host:port}; puts and try-gets fail after {@code putTimeout}. */
    public KeyValueClient(String host, int port, Duration putTimeout) {
        String h = host.contains(":") ? "[" + host + "]" : host;
        this.coordinator = h + ":" + port;
        this.base = "http://" + coordinator + KeyValueServer.PATH;
        this.putTimeout = putTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).proxy(HttpClient.Builder.NO_PROXY).build();
    }

    public String coordinator() { return coordinator; }

    @Override
    public void put(String key, byte[] value) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + putTimeout.toNanos();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(key, -1)).PUT(HttpRequest.BodyPublishers.ofByteArray(value));
        HttpResponse<byte[]> r = send(request, deadline, "put " + key);
        if (r.statusCode() != 204) throw new IllegalStateException("coordinator " + coordinator + " refused put " + key + ": HTTP " + r.statusCode() + " " + text(r));
    }

    @Override
    public byte[] get(String key, Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
            HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri(key, Math.min(left, KeyValueServer.MAX_WAIT_MS))).GET(), deadline, "get " + key);
            if (r.statusCode() == 200) return r.body();
            if (r.statusCode() != 404) throw new IllegalStateException("coordinator " + coordinator + " refused get " + key + ": HTTP " + r.statusCode() + " " + text(r));
            if (System.nanoTime() >= deadline) throw new TimeoutException("key " + key + " was not set within " + timeout.toMillis() + " ms (coordinator " + coordinator + ")");
        }
    }

    @Override
    public Optional<byte[]> tryGet(String key) throws TimeoutException, InterruptedException {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri(key, 0)).GET(), System.nanoTime() + putTimeout.toNanos(), "try_get " + key);
        if (r.statusCode() == 200) return Optional.of(r.body());
        if (r.statusCode() == 404) return Optional.empty();
        throw new IllegalStateException("coordinator " + coordinator + " refused try_get " + key + ": HTTP " + r.statusCode() + " " + text(r));
    }

    /** Sends until an answer comes, retrying where the coordinator cannot be reached, until {@code deadline}. */
    private HttpResponse<byte[]> send(HttpRequest.Builder request, long deadline, String what) throws TimeoutException, InterruptedException {
        IOException last = null;
        while (true) {
            long leftNanos = deadline - System.nanoTime();
            // A get may be held by the server up to its wait; the margin covers the transfer on top of it.
            Duration bound = Duration.ofNanos(Math.max(leftNanos, 0)).plus(REQUEST_MARGIN);
            try {
                return http.send(request.timeout(bound).build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (HttpTimeoutException e) {
                throw new TimeoutException(what + ": coordinator " + coordinator + " did not answer within " + bound.toMillis() + " ms");
            } catch (ConnectException e) {
                last = e; // not up yet, or gone: retry until the deadline
            } catch (IOException e) {
                last = e;
            }
            if (System.nanoTime() + RETRY_PAUSE_MS * 1_000_000 > deadline) {
                throw new TimeoutException(what + ": cannot reach the coordinator " + coordinator + " (process 0 serves it; is it running?): " + last);
            }
            Thread.sleep(RETRY_PAUSE_MS);
        }
    }

    private URI uri(String key, long waitMillis) {
        String k = Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
        return URI.create(base + k + (waitMillis >= 0 ? "?wait_ms=" + waitMillis : ""));
    }

    private static String text(HttpResponse<byte[]> r) { return new String(r.body(), StandardCharsets.UTF_8); }
}
