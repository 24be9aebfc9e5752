package monetj.core.ir;

import static monetj.core.testing.GraphTesting.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Random;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;

class OptimizationBarrierTest {
    @Test
    void returnsEveryOperandUnchanged() {
        HostTensor a = f32(Shape.of(2), 1, 2), ids = HostTensor.of(Shape.of(3), new int[] {4, 5, 6});
        List<HostTensor> r = run(p -> Tensor.optimizationBarrier(p.get(0).mul(2.0), p.get(1)), a, ids);
        assertArrayEquals(new float[] {2, 4}, r.get(0).floats());
        assertArrayEquals(new int[] {4, 5, 6}, r.get(1).ints());
        assertEquals(List.of(), Tensor.optimizationBarrier());
    }

    @Test
    void cotangentsPassThrough() {
        Random rnd = new Random(1);
        HostTensor x = randomF64(rnd, Shape.of(3)), y = randomF64(rnd, Shape.of(3));
        checkGradient(p -> {
            List<Tensor> held = Tensor.optimizationBarrier(p.get(0).exp(), p.get(1));
            return held.get(0).mul(held.get(1));
        }, x, y);
        checkGradient(p -> Tensor.optimizationBarrier(p.get(0), p.get(1)).get(1).square(), x, y); // one result unused
    }
}
