package monetj.train.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/monet in a copy of the checkout with a stand-in JDK and Maven: it rebuilds only for module sources and
 * poms, keeps stdout and stderr in order when they share a target, drops the JVM's incubator notice, passes the
 * exit status through, and tells the CLI how it was started.
 */
class LauncherScriptTest {
    @TempDir Path root;
    private final Instant past = Instant.now().minusSeconds(3600);

    private Path write(String relative, String text) throws Exception {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        Files.setLastModifiedTime(p, FileTime.from(past));
        return p;
    }

    private void executable(String relative, String script) throws Exception {
        Files.setPosixFilePermissions(write(relative, script), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @BeforeEach
    void checkout() throws Exception {
        for (String s : List.of("monet", "find-jdk.sh")) write("scripts/" + s, Files.readString(Path.of("../scripts", s)));
        Files.setPosixFilePermissions(root.resolve("scripts/monet"), PosixFilePermissions.fromString("rwxr-xr-x"));
        write("pom.xml", "<project/>");
        write("monet-core/pom.xml", "<project/>");
        write("monet-core/src/main/java/A.java", "class A {}");
        // The stand-in java answers the JDK probe, then writes interleaved results (stdout) and progress (stderr).
        executable("jdk/bin/java", """
                #!/usr/bin/env bash
                if [[ "$*" == *XshowSettings* ]]; then echo "    java.specification.version = 25" >&2; exit 0; fi
                echo "WARNING: Using incubator modules: jdk.incubator.vector" >&2
                for i in 1 2 3; do echo "progress $i" >&2; echo "result $i"; done
                echo "started as $MONET_COMMAND"
                exit 7
                """);
        executable("jdk/bin/javac", "#!/bin/sh\n");
        executable("bin/mvn", "#!/bin/sh\necho fake maven >&2\n");
        write("monet-train/target/.monet-build-stamp", "");
        Files.setLastModifiedTime(root.resolve("monet-train/target/.monet-build-stamp"), FileTime.from(Instant.now().minusSeconds(60)));
    }

    /** Runs the launcher with stdout and stderr into one file, as {@code > log 2>&1} does; returns exit status and the file. */
    private String[] launch() throws Exception {
        Path log = root.resolve("launch.log");
        Files.deleteIfExists(log);
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("scripts/monet").toString(), "devices")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", root.resolve("jdk").toString());
        pb.environment().put("PATH", root.resolve("bin") + ":" + System.getenv("PATH"));
        pb.environment().remove("MONET_COMMAND");
        Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        // The filter may write its last lines just after the JVM (here, the stand-in) exited.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.readString(log).contains("started as") && System.nanoTime() < deadline) Thread.sleep(10);
        Thread.sleep(50);
        return new String[] {Integer.toString(p.exitValue()), Files.readString(log)};
    }

    @Test
    void sharedOutputKeepsItsOrderWithoutTheIncubatorNoticeAndTheExitStatusPassesThrough() throws Exception {
        String[] r = launch();
        assertEquals("7", r[0], r[1]);
        List<String> lines = r[1].lines().filter(l -> !l.isBlank()).toList();
        assertEquals(List.of("progress 1", "result 1", "progress 2", "result 2", "progress 3", "result 3",
                "started as " + root.resolve("scripts/monet")), lines);
    }

    @Test
    void onlyModuleSourcesAndPomsTriggerARebuild() throws Exception {
        write("scratch/Notes.java", "class Notes {}");
        write("monet-core/src/test/java/ATest.java", "class ATest {}");
        for (String stray : List.of("scratch/Notes.java", "monet-core/src/test/java/ATest.java")) {
            Files.setLastModifiedTime(root.resolve(stray), FileTime.from(Instant.now()));
        }
        assertFalse(launch()[1].contains("building Monet-J"), "a .java file outside the modules' main sources changes no jar");
        Files.setLastModifiedTime(root.resolve("monet-core/src/main/java/A.java"), FileTime.from(Instant.now()));
        String[] r = launch();
        assertTrue(r[1].contains("building Monet-J") && r[1].contains("fake maven"), r[1]);
    }
}
