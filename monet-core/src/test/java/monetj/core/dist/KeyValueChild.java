package monetj.core.dist;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One process of {@link KeyValueProcessesTest}, run in its own JVM: joins the group on loopback, puts its key,
 * reads every other process's with a blocking get, checks a try_get of an absent key, passes a barrier, and
 * prints what it saw. Args: PORT ID COUNT TIMEOUT_MS.
 */
public final class KeyValueChild {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]), id = Integer.parseInt(args[1]), count = Integer.parseInt(args[2]);
        Duration timeout = Duration.ofMillis(Long.parseLong(args[3]));
        ProcessIdentity me = new ProcessIdentity(id, count, "127.0.0.1", port, "test");
        try (KeyValueProcessGroup group = KeyValueProcessGroup.join(me, timeout)) {
            KeyValueStore kv = group.keyValueStore().orElseThrow();
            kv.put("value/" + id, ("from " + id).getBytes(StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            for (int q = 0; q < count; q++) seen.append(q == 0 ? "" : ",").append(new String(kv.get("value/" + q, timeout), StandardCharsets.UTF_8));
            System.out.println("process " + id + " got " + seen);
            System.out.println("process " + id + " try_get absent: " + kv.tryGet("never-set").isPresent());
            group.barrier("after-values", timeout);
            System.out.println("process " + id + " passed the barrier");
        } catch (Exception e) {
            System.out.println("process " + id + " failed: " + e.getMessage());
            System.exit(3);
        }
    }
}
