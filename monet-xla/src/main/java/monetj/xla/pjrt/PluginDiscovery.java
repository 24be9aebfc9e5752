package monetj.xla.pjrt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds a PJRT plugin: an explicit path (command line or config), else {@code MONET_PJRT_PLUGIN}, else
 * {@code TPU_LIBRARY_PATH}, else the places pip puts them in Python site-packages directories (those of
 * {@code $VIRTUAL_ENV}, {@code $CONDA_PREFIX}, the {@code python3} on PATH, ~/.local and the system prefixes):
 * {@code libtpu/libtpu.so} (TPU) and {@code jax_plugins/<name>/xla_cuda_plugin.so} (GPU). The CUDA plugin is
 * used where pip installed it, so that it finds the CUDA libraries of the neighbouring nvidia wheels.
 */
public final class PluginDiscovery {
    public static final String ENV_PLUGIN = "MONET_PJRT_PLUGIN";

    private final Map<String, String> env;
    private final Path home;
    private final List<Path> pythonRoots;
    private final List<Path> interpreterSites;

    /**
     * Looks at this process's environment, home directory, the usual Python installation prefixes, and the
     * site-packages of the {@code python3} on PATH (asked, since a virtual environment's version is not guessable).
     */
    public static PluginDiscovery system() {
        return new PluginDiscovery(System.getenv(), Path.of(System.getProperty("user.home")),
                List.of(Path.of("/usr/local/lib"), Path.of("/usr/lib"), Path.of("/opt/conda/lib")), PythonSitePackages.ofPython3OnPath());
    }

    /** @param pythonRoots directories holding {@code python3.*} installations (e.g. /usr/local/lib) */
    public PluginDiscovery(Map<String, String> env, Path home, List<Path> pythonRoots) {
        this(env, home, pythonRoots, List.of());
    }

    /** @param interpreterSites site-packages directories a Python interpreter reported */
    public PluginDiscovery(Map<String, String> env, Path home, List<Path> pythonRoots, List<Path> interpreterSites) {
        this.env = env;
        this.home = home;
        this.pythonRoots = pythonRoots;
        this.interpreterSites = interpreterSites;
    }

    /** The plugin to load; {@code explicit} (nullable) wins and must exist. */
    public Path find(Path explicit) {
        if (explicit != null) {
            if (Files.isRegularFile(explicit)) return explicit;
            throw new PluginNotFoundException("PJRT plugin " + explicit + " (given explicitly) does not exist", List.of(explicit + " (no such file)"));
        }
        List<String> looked = new ArrayList<>();
        List<Path> all = findAll(looked);
        if (all.isEmpty()) throw new PluginNotFoundException("no PJRT plugin found", looked);
        return all.get(0);
    }

    /** Every plugin found, the one {@link #find} picks first; where nothing was found is added to {@code looked}. */
    public List<Path> findAll(List<String> looked) {
        Set<Path> found = new LinkedHashSet<>();
        for (String var : List.of(ENV_PLUGIN, "TPU_LIBRARY_PATH")) {
            String v = env.get(var);
            if (v == null || v.isBlank()) {
                looked.add("$" + var + " (not set)");
                continue;
            }
            Path p = Path.of(v);
            if (Files.isRegularFile(p)) found.add(p);
            else looked.add("$" + var + " = " + v + " (no such file)");
        }
        for (Path site : sitePackages(looked)) {
            Path tpu = site.resolve("libtpu/libtpu.so");
            if (Files.isRegularFile(tpu)) found.add(tpu);
            else looked.add(tpu + " (absent)");
            Path jaxPlugins = site.resolve("jax_plugins");
            List<Path> cuda = matches(jaxPlugins, "xla_cuda_plugin.so");
            found.addAll(cuda.reversed()); // newest name first (xla_cuda13 sorts after xla_cuda12)
            if (cuda.isEmpty()) looked.add(jaxPlugins + "/*/xla_cuda_plugin.so (no match)");
        }
        return List.copyOf(found);
    }

    /**
     * Python site-packages and dist-packages directories that exist, most specific environment first;
     * prefixes without any are added to {@code looked}.
     */
    List<Path> sitePackages(List<String> looked) {
        Set<Path> roots = new LinkedHashSet<>();
        for (String var : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) roots.add(Path.of(v, "lib"));
        }
        roots.add(home.resolve(".local/lib"));
        roots.addAll(pythonRoots);
        List<Path> out = new ArrayList<>();
        for (Path site : interpreterSites) if (Files.isDirectory(site) && !out.contains(site)) out.add(site);
        for (Path root : roots) {
            int before = out.size();
            for (Path python : children(root, "python3*")) {
                for (String kind : List.of("site-packages", "dist-packages")) {
                    Path p = python.resolve(kind);
                    if (Files.isDirectory(p) && !out.contains(p)) out.add(p);
                }
            }
            if (out.size() == before) looked.add(root + "/python3*/{site,dist}-packages (none)");
        }
        return out;
    }

    private static List<Path> matches(Path dir, String file) {
        List<Path> out = new ArrayList<>();
        for (Path sub : children(dir, "*")) {
            Path p = sub.resolve(file);
            if (Files.isRegularFile(p)) out.add(p);
        }
        return out;
    }

    private static List<Path> children(Path dir, String glob) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, glob)) {
            s.forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + dir, e);
        }
        out.sort(null);
        return out;
    }
}
