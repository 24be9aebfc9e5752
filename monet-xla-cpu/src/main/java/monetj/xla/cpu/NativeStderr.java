package monetj.xla.cpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Captures what native code writes to file descriptor 2 while a call runs. XLA reports parse and compile errors
 * there (with the module's line and column), while the exception TensorFlow hands to Java says only "Cannot
 * deserialize computation". Process-wide (there is one fd 2), so captures are serialized.
 */
final class NativeStderr {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MethodHandle DUP = function("dup", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle DUP2 = function("dup2", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = function("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle OPEN = LINKER.downcallHandle(LIBC.find("open").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final int O_WRONLY = 1, O_TRUNC = 0x200, STDERR = 2;

    /** What a call returned (or threw) and the text written to fd 2 meanwhile. */
    record Captured<T>(T value, RuntimeException failure, String text) {}

    private NativeStderr() {}

    static synchronized <T> Captured<T> capture(Supplier<T> call) {
        System.err.flush();
        Path file;
        try {
            file = Files.createTempFile("monet-xla-cpu-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a file to capture XLA's diagnostics in", e);
        }
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(arena.allocateFrom(file.toString()), O_WRONLY | O_TRUNC, 0600);
            if (fd < 0) throw new IllegalStateException("cannot open " + file + " to capture XLA's diagnostics");
            int saved = (int) DUP.invokeExact(STDERR);
            int redirected = (int) DUP2.invokeExact(fd, STDERR);
            int closed = (int) CLOSE.invokeExact(fd);
            if (saved < 0 || redirected < 0 || closed < 0) throw new IllegalStateException("cannot redirect file descriptor 2 to " + file);
            T value = null;
            RuntimeException failure = null;
            try {
                value = call.get();
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                System.err.flush();
                int restored = (int) DUP2.invokeExact(saved, STDERR);
                int closedSaved = (int) CLOSE.invokeExact(saved);
                if (restored < 0 || closedSaved < 0) throw new IllegalStateException("cannot restore file descriptor 2");
            }
            return new Captured<>(value, failure, Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read XLA's captured diagnostics from " + file, e);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("native call failed while capturing file descriptor 2", e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                file.toFile().deleteOnExit(); // a leftover temp file is harmless; it goes at exit
            }
        }
    }

    private static MethodHandle function(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)), d);
    }
}
