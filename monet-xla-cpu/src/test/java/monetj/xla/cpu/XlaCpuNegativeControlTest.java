package monetj.xla.cpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import monetj.core.exec.JavaExecutor;
import monetj.core.ir.Compare;
import monetj.core.tensor.DType;
import monetj.xla.check.CheckResult;
import monetj.xla.check.CrossBackendCheck;
import monetj.xla.stablehlo.OpEmissions;
import org.junit.jupiter.api.Test;

/**
 * A negative control: with compare emitted in the swapped direction (GT as LT and so on), XLA compiles valid but
 * wrong programs, and the cross-backend suite must fail them, through compare itself and through the ops built on it.
 */
class XlaCpuNegativeControlTest {
    private static String swapped(Compare.Direction d) {
        return switch (d) {
            case LT -> "GT";
            case GT -> "LT";
            case LE -> "GE";
            case GE -> "LE";
            case EQ, NE -> d.name();
        };
    }

    @Test
    void aSwappedComparisonFailsTheSuite() {
        OpEmissions wrong = OpEmissions.standard().register(Compare.class, (op, n, out) -> {
            DType t = n.inputs().get(0).dtype();
            String type = t.isFloating() ? "FLOAT" : t == DType.PRED ? "UNSIGNED" : "SIGNED";
            out.op(n, "stablehlo.compare", "comparison_direction = #stablehlo<comparison_direction " + swapped(op.direction())
                    + ">, compare_type = #stablehlo<comparison_type " + type + ">");
        });
        try (XlaCpuBackend xla = new XlaCpuBackend(wrong)) {
            List<CheckResult> results = CrossBackendCheck.run(xla, new JavaExecutor(), null, r -> {});
            List<String> failed = results.stream().filter(r -> !r.passed()).map(CheckResult::name).toList();
            for (String c : List.of("compare GT f32", "compare LT s32", "select f32", "grad select f32", "grad clamp f32")) {
                assertTrue(failed.contains(c), c + " should fail with a swapped compare; failed: " + failed);
            }
            assertFalse(failed.contains("compare EQ f32"), "EQ is symmetric and stays right");
            assertFalse(failed.contains("add f32"), "ops without a compare stay right");
        }
    }
}
