package monetj.train.run;

import monetj.core.backend.Backend;
import monetj.core.exec.JavaExecutor;
import monetj.train.config.RunConfig;

/** Creates the backend a run config or command line names. */
public final class Backends {
    private Backends() {}

    public static Backend create(RunConfig.Backend b) { return create(b.kind(), b.plugin(), b.memoryFraction()); }

    public static Backend create(String kind, String plugin, Double memoryFraction) {
        return switch (kind) {
            case "java" -> new JavaExecutor();
            case "pjrt" -> monetj.xla.pjrt.PjrtBackend.open(plugin, memoryFraction);
            case "xla-cpu" -> xlaCpu();
            default -> throw new IllegalArgumentException("backend must be java, pjrt or xla-cpu, got " + kind);
        };
    }

    /** Whether the xla-cpu backend is on the class path (without loading TensorFlow). */
    public static boolean xlaCpuAvailable() {
        try {
            Class.forName(XLA_CPU, false, Backends.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static final String XLA_CPU = "monetj.xla.cpu.XlaCpuBackend";

    /** Found at run time: the monet-xla-cpu module (TensorFlow's 161 MB native jar) is on the class path only where it is wanted. */
    private static Backend xlaCpu() {
        Class<?> c;
        try {
            c = Class.forName(XLA_CPU);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("backend xla-cpu needs the monet-xla-cpu module on the class path (scripts/monet includes it; "
                    + "a bundle includes it when built with scripts/bundle.sh --with-xla-cpu)");
        }
        try {
            return (Backend) c.getConstructor().newInstance();
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException("xla-cpu backend failed to start", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("xla-cpu backend cannot be created: " + e, e);
        }
    }
}
