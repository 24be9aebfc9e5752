package monetj.train.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import monetj.core.backend.Backend;
import monetj.core.exec.JavaExecutor;
import monetj.core.tensor.DType;
import monetj.train.run.Backends;
import monetj.xla.check.CheckResult;
import monetj.xla.check.CrossBackendCheck;
import monetj.xla.pjrt.ClientOptions;
import monetj.xla.pjrt.PjrtBackend;
import monetj.xla.pjrt.PluginDiscovery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code monet selftest}: the cross-backend check on an accelerator host, where there is no Maven: every op
 * and gradient rule on the PJRT plugin (or, with {@code --backend xla-cpu}, on XLA's CPU compiler) against the
 * Java executor, one pass/fail line per case.
 */
@Command(name = "selftest", mixinStandardHelpOptions = true,
        header = "Check every op and gradient rule on a PJRT plugin against the Java executor.",
        description = {"Runs every op and every gradient rule on random inputs on the PJRT plugin (or --backend xla-cpu) and on the embedded Java executor, "
                + "compares them within the stated tolerances and prints a pass/fail table. Exits 1 if any case fails."})
public final class SelftestCommand implements Callable<Integer> {
    @Option(names = "--plugin", paramLabel = "PATH", description = "the PJRT plugin (.so); default: found as `monet devices` finds it")
    Path plugin;

    @Option(names = "--filter", paramLabel = "REGEX", description = "only the cases whose names match, e.g. 'dot_general|reduce'")
    Pattern filter;

    @Option(names = "--backend", paramLabel = "KIND", defaultValue = "pjrt",
            description = "pjrt (the plugin) or xla-cpu (XLA's CPU compiler inside TensorFlow, no plugin needed); default ${DEFAULT-VALUE}")
    String backend;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!backend.equals("pjrt")) {
            if (!backend.equals("xla-cpu")) throw new IllegalArgumentException("--backend must be pjrt or xla-cpu, got " + backend);
            try (Backend b = Backends.create(backend, null, null)) {
                out.println("backend   " + backend + ": " + b.deviceDescription());
                return check(b, out);
            }
        }
        Path path = PluginDiscovery.system().find(plugin);
        try (PjrtBackend pjrt = PjrtBackend.open(path, ClientOptions.defaultsFor(path))) {
            out.println("plugin    " + path + " (PJRT C API " + pjrt.client().plugin().apiVersion() + ")");
            out.println("platform  " + pjrt.platform() + " (" + pjrt.client().platformVersion() + "), " + pjrt.device());
            return check(pjrt, out);
        }
    }

    private int check(Backend candidate, PrintWriter out) {
        out.println("date      " + Instant.now().truncatedTo(ChronoUnit.SECONDS));
        out.printf("tolerance |error| <= tol * max(1, |java|): f32 %.0e, bf16 %.0e; integers and booleans exact%n",
                CrossBackendCheck.tolerance(DType.F32), CrossBackendCheck.tolerance(DType.BF16));
        out.flush();
        List<CheckResult> results = CrossBackendCheck.run(candidate, new JavaExecutor(), filter, r -> {
            out.println(CrossBackendCheck.line(r));
            out.flush(); // a full run takes minutes on a fresh GPU (one compile per case): show progress
        });
        long failed = results.stream().filter(r -> !r.passed()).count();
        out.println((results.size() - failed) + " of " + results.size() + " cases passed" + (failed > 0 ? ", " + failed + " failed" : ""));
        return failed == 0 ? 0 : 1;
    }
}
