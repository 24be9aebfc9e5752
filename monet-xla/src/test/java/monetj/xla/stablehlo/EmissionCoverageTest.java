package monetj.xla.stablehlo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import monetj.core.ir.Op;
import monetj.core.ir.Parameter;
import org.junit.jupiter.api.Test;

/** Every op family of monet-core has a StableHLO emission: a new op without one fails here, by name. */
class EmissionCoverageTest {
    @Test
    void everyOpFamilyOfTheIrIsInTheTable() throws Exception {
        Set<String> missing = new TreeSet<>();
        List<Class<?>> families = opFamilies();
        assertTrue(families.size() >= 16, "found only " + families);
        Set<Class<? extends Op>> table = OpEmissions.standard().families();
        for (Class<?> c : families) if (c != Parameter.class && !table.contains(c)) missing.add(c.getSimpleName());
        assertEquals(Set.of(), missing, "op families without a StableHLO emission (add them to OpEmissions.standard())");
    }

    /** The concrete classes of monetj.core.ir that implement Op, read from wherever monet-core's classes are. */
    private static List<Class<?>> opFamilies() throws Exception {
        URI location = Op.class.getProtectionDomain().getCodeSource().getLocation().toURI();
        Path root = Path.of(location);
        List<Class<?>> out = new ArrayList<>();
        if (Files.isDirectory(root)) {
            collect(root.resolve("monetj/core/ir"), out);
        } else {
            try (FileSystem jar = FileSystems.newFileSystem(URI.create("jar:" + location), Map.of())) {
                collect(jar.getPath("monetj/core/ir"), out);
            }
        }
        return out;
    }

    private static void collect(Path dir, List<Class<?>> out) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (!name.endsWith(".class") || name.contains("$")) continue;
                Class<?> c = Class.forName("monetj.core.ir." + name.substring(0, name.length() - 6));
                if (Op.class.isAssignableFrom(c) && !c.isInterface() && !java.lang.reflect.Modifier.isAbstract(c.getModifiers())) out.add(c);
            }
        }
    }
}
