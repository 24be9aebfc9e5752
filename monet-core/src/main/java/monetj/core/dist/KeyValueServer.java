package monetj.core.dist;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The key-value store, served by process 0 over HTTP on the coordinator's port (the JDK's server; one virtual
 * thread per request, so waiting gets cost no platform thread). {@code PUT /kv/KEY} sets a key,
 * {@code GET /kv/KEY?wait_ms=N} answers 200 with the value once the key is set, or 404 after N ms (at most
 * {@link #MAX_WAIT_MS}: no request is held longer). KEY is the key's UTF-8 bytes in unpadded URL-safe base64.
 */
public final class KeyValueServer implements AutoCloseable {
    /** The longest a get is held on the server; clients wanting longer ask again. */
    static final long MAX_WAIT_MS = 30_000;
    static final String PATH = "/kv/";

    private final ConcurrentHashMap<String, CompletableFuture<byte[]>> values = new ConcurrentHashMap<>();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    private KeyValueServer(HttpServer server) {
        this.server = server;
        server.createContext(PATH, this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /**
     * Serves on {@code port}: on the loopback interface when {@code host} is a loopback address, else on every
     * interface. A port already in use is refused, naming it.
     */
    public static KeyValueServer start(String host, int port) {
        InetSocketAddress address;
        try {
            InetAddress a = InetAddress.getByName(host);
            address = a.isLoopbackAddress() ? new InetSocketAddress(a, port) : new InetSocketAddress(port);
        } catch (IOException e) {
            throw new IllegalStateException("coordinator host " + host + " does not resolve: " + e.getMessage(), e);
        }
        try {
            return new KeyValueServer(HttpServer.create(address, 64));
        } catch (BindException e) {
            throw new IllegalStateException("cannot serve the coordinator on port " + port + ": the port is in use (" + e.getMessage()
                    + "); is another run's process 0 still running on this host? Choose another port with --coordinator HOST:PORT");
        } catch (IOException e) {
            throw new IllegalStateException("cannot serve the coordinator on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** The port served (the one asked for, or the chosen one for port 0). */
    public int port() { return server.getAddress().getPort(); }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String key;
            try {
                key = new String(Base64.getUrlDecoder().decode(exchange.getRequestURI().getRawPath().substring(PATH.length())), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                reply(exchange, 400, "key is not URL-safe base64");
                return;
            }
            switch (exchange.getRequestMethod()) {
                case "PUT" -> {
                    byte[] value;
                    try (InputStream in = exchange.getRequestBody()) {
                        value = in.readAllBytes();
                    }
                    set(key, value);
                    reply(exchange, 204, null);
                }
                case "GET" -> {
                    byte[] value = await(key, waitMillis(exchange.getRequestURI().getRawQuery()));
                    if (value == null) reply(exchange, 404, "not set: " + key);
                    else reply(exchange, 200, value);
                }
                default -> reply(exchange, 405, "PUT or GET");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the server is closing
        }
    }

    private void set(String key, byte[] value) {
        values.compute(key, (k, f) -> {
            if (f == null || f.isDone()) return CompletableFuture.completedFuture(value);
            f.complete(value); // wakes the gets waiting for it
            return f;
        });
    }

    /** The value once set, or null after {@code millis}. */
    private byte[] await(String key, long millis) throws InterruptedException {
        CompletableFuture<byte[]> f = values.computeIfAbsent(key, k -> new CompletableFuture<>());
        if (millis <= 0) return f.getNow(null);
        try {
            return f.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new AssertionError("values are only ever completed normally", e);
        }
    }

    private static long waitMillis(String query) {
        if (query == null) return 0;
        for (String part : query.split("&")) {
            if (part.startsWith("wait_ms=")) {
                try {
                    return Math.min(MAX_WAIT_MS, Math.max(0, Long.parseLong(part.substring(8))));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    private static void reply(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = body == null ? new byte[0] : body instanceof byte[] b ? b : body.toString().getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        // A grace of up to a second for exchanges in flight: the last exit put is stored before its answer is sent,
        // and stopping at once would cut that answer off, leaving its process retrying a coordinator that is gone.
        server.stop(1);
        executor.shutdownNow();
    }
}
