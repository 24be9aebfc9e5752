package monetj.xla.check;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import monetj.core.ir.DotGeneral;
import monetj.core.model.GoldenCheck;
import monetj.xla.pjrt.ClientOptions;
import monetj.xla.pjrt.PjrtBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The golden model check (see monet-core's MonetGoldenTest) on a real PJRT plugin; skipped where none is installed. */
class PjrtGoldenTest {
    @ParameterizedTest
    @ValueSource(strings = {"tiny-vd", "tiny-hd"})
    void modelMatchesTheReferenceOnThePlugin(String name) throws Exception {
        Path plugin = InstalledPlugin.findOrSkip();
        // f32 reference comparison: keep the plugin's f32 products out of reduced-precision (e.g. TF32) modes.
        try (PjrtBackend pjrt = PjrtBackend.open(plugin, ClientOptions.defaultsFor(plugin), DotGeneral.Precision.HIGHEST)) {
            GoldenCheck.Report r = GoldenCheck.run(pjrt, name);
            System.out.println(name + " on " + pjrt.deviceDescription() + ": largest relative error per tensor group");
            r.worstByGroup().forEach((k, v) -> System.out.printf("  %-60s %.2e%n", k, v));
            assertTrue(r.failures().isEmpty(), String.join("\n", r.failures()));
        }
    }
}
