package monetj.xla.pjrt;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The fake PJRT plugin of src/test/resources/fakepjrt (read from the class path, so other modules' tests can use it
 * through this module's test jar), compiled with gcc on first use into the running module's target/fakepjrt (tests
 * that need it are skipped, naming gcc, where no gcc is installed), and its test hooks.
 */
public final class FakePlugin {
    private static final Path OUT = Path.of("target/fakepjrt");
    private static final java.util.Map<Path, SymbolLookup> HOOKS = new java.util.HashMap<>();

    private FakePlugin() {}

    /** The fake plugin reporting PJRT C API 0.{@code minor}, with 2 devices and transfers that complete 30 ms late. */
    static Path library(int minor) { return library(minor, 2, 30); }

    /**
     * The fake plugin reporting PJRT C API 0.{@code minor}, with {@code devices} devices (1 to 8), whose transfers
     * complete {@code delayMs} after the call returned.
     */
    static Path library(int minor, int devices, int delayMs) { return library("libfakepjrt-", minor, devices, delayMs, -1); }

    /**
     * The fake plugin named {@code prefix}..., reporting PJRT C API 0.{@code minor}, with {@code devices} devices (per
     * process), transfers completing {@code delayMs} late, and waiting {@code topologyTimeoutMs} for the other
     * processes' topology (-1: the fake's default).
     */
    private static synchronized Path library(String prefix, int minor, int devices, int delayMs, int topologyTimeoutMs) {
        try {
            Files.createDirectories(OUT);
            byte[] c = resource("fake_pjrt.c"), h = resource("fake_pjrt.h");
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update(c);
            sha.update(h);
            String tag = java.util.HexFormat.of().formatHex(sha.digest()).substring(0, 12); // a changed source builds a new library
            String timeout = topologyTimeoutMs < 0 ? "" : "-k" + topologyTimeoutMs;
            Path lib = OUT.resolve(prefix + "0." + minor + "-d" + devices + "-t" + delayMs + timeout + "-" + tag + ".so");
            if (!Files.exists(lib)) {
                Path src = OUT.resolve("src-" + tag);
                Files.createDirectories(src);
                Files.write(src.resolve("fake_pjrt.c"), c);
                Files.write(src.resolve("fake_pjrt.h"), h);
                Path tmp = OUT.resolve(lib.getFileName() + ".tmp");
                List<String> args = new ArrayList<>(List.of("-DFAKE_MINOR=" + minor, "-DFAKE_DEVICES=" + devices, "-DFAKE_TRANSFER_DELAY_MS=" + delayMs));
                if (topologyTimeoutMs >= 0) args.add("-DFAKE_TOPOLOGY_TIMEOUT_MS=" + topologyTimeoutMs);
                args.add(src.resolve("fake_pjrt.c").toString());
                gcc(tmp, args.toArray(String[]::new));
                Files.move(tmp, lib, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return lib;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (var in = FakePlugin.class.getResourceAsStream("/fakepjrt/" + name)) {
            if (in == null) throw new IOException("fakepjrt/" + name + " is not on the class path (monet-xla's test resources)");
            return in.readAllBytes();
        }
    }

    /** The fake plugin at the minor version of the binding's layouts, with 2 devices. */
    public static Path library() { return library(PjrtApi.LAYOUT_MINOR); }

    /**
     * The fake plugin at the binding's minor version with {@code devices} devices, for tests that move whole models
     * shard by shard: its transfers still complete late, but 1 ms late.
     */
    public static Path withDevices(int devices) { return library(PjrtApi.LAYOUT_MINOR, devices, 1); }

    /**
     * The fake plugin for runs of several processes, {@code devices} devices each: its file name holds "cuda", so
     * Monet-J gives it what it gives XLA's CUDA plugin (node_id and num_nodes of each process, preallocate false), and
     * it waits {@code topologyTimeoutMs} for every other process's topology.
     */
    public static Path multiProcess(int devices, int topologyTimeoutMs) { return library("libfakepjrt-cuda-", PjrtApi.LAYOUT_MINOR, devices, 1, topologyTimeoutMs); }

    /** A shared library that exports no GetPjrtApi. */
    static synchronized Path notAPlugin() throws IOException {
        Path lib = OUT.resolve("libnotpjrt.so");
        if (!Files.exists(lib)) {
            Path src = OUT.resolve("not_pjrt.c");
            Files.createDirectories(OUT);
            Files.writeString(src, "int not_pjrt(void) { return 1; }\n");
            gcc(lib, src.toString());
        }
        return lib;
    }

    private static void gcc(Path lib, String... args) {
        Path gcc = findGcc();
        assumeTrue(gcc != null, "gcc not found on PATH: the fake PJRT plugin used by this test is compiled with gcc at test time");
        List<String> cmd = new ArrayList<>(List.of(gcc.toString(), "-O1", "-Wall", "-shared", "-fPIC", "-pthread", "-o", lib.toString()));
        cmd.addAll(List.of(args));
        try {
            Files.createDirectories(OUT);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("gcc failed: " + cmd + "\n" + log);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("running gcc: " + e, e);
        }
    }

    private static Path findGcc() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "gcc");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    private static MethodHandle hook(String name, FunctionDescriptor fd) { return hook(library(), name, fd); }

    private static synchronized MethodHandle hook(Path lib, String name, FunctionDescriptor fd) {
        SymbolLookup hooks = HOOKS.computeIfAbsent(lib, l -> SymbolLookup.libraryLookup(l, Arena.global()));
        return Linker.nativeLinker().downcallHandle(hooks.find(name).orElseThrow(), fd);
    }

    /** The global device ids of the device assignment the last compile of {@code lib} received (null: none given). */
    public static long[] lastDeviceAssignment(Path lib) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(JAVA_LONG, 64);
            long n = (long) hook(lib, "fake_last_device_assignment", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG)).invokeExact(buf, 64L);
            return n < 0 ? null : buf.asSlice(0, n * 8).toArray(JAVA_LONG);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A counter of the fake at {@code lib}, as {@link #stat(String)}. */
    public static long stat(Path lib, String name) {
        try (Arena arena = Arena.ofConfined()) {
            return (long) hook(lib, "fake_stat", FunctionDescriptor.of(JAVA_LONG, ADDRESS)).invokeExact(arena.allocateFrom(name));
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A counter of the fake: initialize, clients, buffers, loaded, execs, events, errors, bad_destroys, awaits, donated. */
    static long stat(String name) { return stat(library(), name); }

    static String lastProgram() { return lastProgram(library()); }

    /** The MLIR text the last compile of {@code lib} received. */
    public static String lastProgram(Path lib) {
        try {
            MemorySegment s = (MemorySegment) hook(lib, "fake_last_program", FunctionDescriptor.of(ADDRESS)).invokeExact();
            return s.reinterpret(1 << 20).getString(0);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static byte[] lastCompileOptions() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            long n = (long) hook("fake_last_compile_options", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG)).invokeExact(buf, 4096L);
            return buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The non-donatable indices of the last execution (null if none was run). */
    static long[] lastNonDonatable() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(JAVA_LONG, 64);
            long n = (long) hook("fake_last_non_donatable", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG)).invokeExact(buf, 64L);
            return n < 0 ? null : buf.asSlice(0, n * 8).toArray(JAVA_LONG);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static int lastPreallocate() {
        try {
            return (int) hook("fake_last_preallocate", FunctionDescriptor.of(JAVA_INT)).invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static float lastMemoryFraction() {
        try {
            return (float) hook("fake_last_memory_fraction", FunctionDescriptor.of(JAVA_FLOAT)).invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static long lastNodeId() { return longHook("fake_last_node_id"); }

    static long lastNumNodes() { return longHook("fake_last_num_nodes"); }

    private static long longHook(String name) {
        try {
            return (long) hook(name, FunctionDescriptor.of(JAVA_LONG)).invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static int lastLaunchId() {
        try {
            return (int) hook("fake_last_launch_id", FunctionDescriptor.of(JAVA_INT)).invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** What the last Client_Create saw calling the kv callbacks: "put=ok:;get=ok:9:data;try_get_absent=error:5:...;get_missing=error:4:...". */
    static String kvReport() {
        try {
            MemorySegment s = (MemorySegment) hook("fake_kv_report", FunctionDescriptor.of(ADDRESS)).invokeExact();
            return s.reinterpret(2048).getString(0);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
