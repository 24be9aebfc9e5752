package monetj.core.ir;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

class IotaTest {
    private static HostTensor iota(DType t, int dim, int... shape) { return new Iota(TensorType.of(t, shape), dim).evaluate(List.of()).get(0); }

    @Test
    void countsAlongTheIotaDimension() {
        assertArrayEquals(new int[] {0, 1, 2, 0, 1, 2}, iota(DType.S32, 1, 2, 3).ints());
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, iota(DType.S32, 0, 2, 3).ints());
        assertArrayEquals(new long[] {0, 0, 1, 1, 0, 0, 1, 1}, iota(DType.S64, 1, 2, 2, 2).longs());
        assertArrayEquals(new float[] {0, 1, 2, 3}, iota(DType.F32, 0, 4).floats());
        assertArrayEquals(new double[] {0, 1}, iota(DType.BF16, 0, 2).doubles());
        assertEquals(0, iota(DType.F64, 1, 3, 0).size());
    }

    @Test
    void typeRuleRefusesBadAttributes() {
        Graph g = new Graph("iota");
        var e = assertThrows(ShapeException.class, () -> g.apply1(new Iota(TensorType.of(DType.F32, 2, 3), 2)));
        assertTrue(e.getMessage().startsWith("iota:") && e.getMessage().contains("iota_dimension 2") && e.getMessage().contains("f32[2, 3]"), e.getMessage());
        var e2 = assertThrows(ShapeException.class, () -> g.apply1(new Iota(TensorType.of(DType.PRED, 2), 0)));
        assertTrue(e2.getMessage().contains("pred[2]"), e2.getMessage());
        var e3 = assertThrows(ShapeException.class, () -> g.apply1(new Iota(TensorType.of(DType.S32, 2), 0), g.parameter("x", TensorType.of(DType.S32, 2))));
        assertTrue(e3.getMessage().contains("expects 0 operand(s)"), e3.getMessage());
    }

    @Test
    void hasNoGradient() {
        assertEquals(List.of(), new Iota(TensorType.of(DType.F32, 2), 0).vjp(null));
    }
}
