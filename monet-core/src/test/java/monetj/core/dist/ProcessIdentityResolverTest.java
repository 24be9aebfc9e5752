package monetj.core.dist;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import monetj.core.dist.ProcessIdentityResolver.Flags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Flags over MONET_* over TPU_* over the metadata server over a single process, field by field. */
class ProcessIdentityResolverTest {
    private HttpServer metadata;
    private final AtomicInteger requests = new AtomicInteger();
    private TpuMetadata fake;

    /** A metadata server on loopback that answers like a v4-32 slice's worker 2 (and checks the header). */
    @BeforeEach
    void serveFakeMetadata() throws Exception {
        metadata = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        Map<String, String> attributes = Map.of("agent-worker-number", "2\n",
                "worker-network-endpoints", "unknown:unknown:10.0.0.5,unknown:unknown:10.0.0.6,unknown:unknown:10.0.0.7,unknown:unknown:10.0.0.8");
        metadata.createContext("/computeMetadata/v1/instance/attributes/", ex -> {
            requests.incrementAndGet();
            String name = ex.getRequestURI().getPath().substring("/computeMetadata/v1/instance/attributes/".length());
            String value = attributes.get(name);
            int status = !"Google".equals(ex.getRequestHeaders().getFirst("Metadata-Flavor")) ? 403 : value == null ? 404 : 200;
            byte[] body = (value == null ? "" : value).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) ex.getResponseBody().write(body);
            ex.close();
        });
        metadata.start();
        fake = new TpuMetadata("http://127.0.0.1:" + metadata.getAddress().getPort() + "/computeMetadata/v1/instance/attributes", Duration.ofSeconds(2));
    }

    @AfterEach
    void stop() { metadata.stop(0); }

    private ProcessIdentity resolve(Map<String, String> env, Flags flags, boolean askMetadata) {
        return new ProcessIdentityResolver(env, fake).resolve(flags, askMetadata);
    }

    @Test
    void withNothingSetARunIsOneProcessAndTheMetadataServerIsNotAsked() {
        ProcessIdentity p = resolve(Map.of(), Flags.none(), false);
        assertEquals(ProcessIdentity.single(), p);
        assertEquals(0, requests.get());
    }

    @Test
    void theMetadataServerGivesTheSliceWhenAsked() {
        ProcessIdentity p = resolve(Map.of(), Flags.none(), true);
        assertEquals(2, p.processId());
        assertEquals(4, p.processCount());
        assertEquals("10.0.0.5:8476", p.coordinator());
        assertTrue(p.source().contains("metadata server http://127.0.0.1:"), p.source());
    }

    @Test
    void tpuEnvironmentOverridesTheMetadataServer() {
        ProcessIdentity p = resolve(Map.of("TPU_WORKER_ID", "1", "TPU_WORKER_HOSTNAMES", "w0,w1"), Flags.none(), true);
        assertEquals(new ProcessIdentity(1, 2, "w0", 8476, p.source()), p);
        assertEquals(0, requests.get(), "nothing was left to ask");
    }

    @Test
    void monetEnvironmentOverridesTpuEnvironmentAndFlagsOverrideBoth() {
        Map<String, String> env = Map.of("MONET_PROCESS_ID", "3", "MONET_NUM_PROCESSES", "5", "MONET_COORDINATOR", "head:9000",
                "TPU_WORKER_ID", "1", "TPU_WORKER_HOSTNAMES", "w0,w1");
        assertEquals("process 3 of 5, coordinator head:9000", resolve(env, Flags.none(), true).toString());
        ProcessIdentity flagged = resolve(env, new Flags(4, null, "[::1]:7000"), true);
        assertEquals("process 4 of 5, coordinator ::1:7000", flagged.toString());
        assertEquals("from flags, MONET_* environment", flagged.source());
        // A field the flags and MONET_* leave open comes from the next source.
        ProcessIdentity mixed = resolve(Map.of("TPU_WORKER_HOSTNAMES", "w0,w1,w2"), new Flags(2, null, null), true);
        assertEquals("process 2 of 3, coordinator w0:8476", mixed.toString());
        assertEquals(0, requests.get());
    }

    @Test
    void badValuesNameTheirFlagOrVariable() {
        var e1 = assertThrows(IllegalArgumentException.class, () -> resolve(Map.of("MONET_PROCESS_ID", "one"), Flags.none(), false));
        assertEquals("MONET_PROCESS_ID=one is not an integer", e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> resolve(Map.of(), new Flags(0, 2, "head"), false));
        assertEquals("--coordinator head is not HOST:PORT", e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> resolve(Map.of("MONET_COORDINATOR", "head:http"), Flags.none(), false));
        assertTrue(e3.getMessage().startsWith("MONET_COORDINATOR head:http: the port http is not a number"), e3.getMessage());
        var e4 = assertThrows(IllegalArgumentException.class, () -> resolve(Map.of(), new Flags(2, 2, "head:1"), false));
        assertEquals("process id 2 is not in [0, 2) (from flags)", e4.getMessage());
        var e5 = assertThrows(IllegalArgumentException.class, () -> resolve(Map.of("MONET_NUM_PROCESSES", "2"), Flags.none(), false));
        assertTrue(e5.getMessage().contains("2 processes need a coordinator address HOST:PORT (--coordinator or MONET_COORDINATOR)"), e5.getMessage());
    }

    @Test
    void offGceTheMetadataServerIsGivenUpQuickly() {
        metadata.stop(0);
        long t0 = System.nanoTime();
        assertEquals(ProcessIdentity.single(), resolve(Map.of(), Flags.none(), true));
        assertTrue((System.nanoTime() - t0) / 1e9 < 5);
    }
}
