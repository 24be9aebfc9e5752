package monetj.core.autodiff;

import static monetj.core.testing.GraphTesting.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;

/**
 * Regions differentiate by their own VJP: the gradients equal whole-graph autodiff's, and recomputing the region
 * after a barrier gives exactly the saved-activation gradients.
 */
class GradientRegionTest {
    /** Two stacked "layers" y = tanh(x w) + x sharing a constant scale c read from outside, then a loss. */
    private static List<Tensor> model(List<Tensor> p, GradientRegion.Policy policy) {
        Tensor x = p.get(0), w1 = p.get(1), w2 = p.get(2), c = p.get(3);
        Graph g = x.graph();
        Tensor h = x;
        for (Tensor w : List.of(w1, w2)) {
            Tensor in = h;
            // the second result passes the input through: it is not routed through the region
            Supplier<List<Tensor>> layer = () -> List.of(Tensor.einsum("bi,io->bo", in, w).tanh().mul(c.broadcastInDim(Shape.of(4, 3))).add(in), in);
            h = policy == null ? layer.get().get(0) : GradientRegion.trace(g, "layer", policy, layer).get(0);
        }
        Tensor loss = h.square().sum();
        List<Tensor> out = new ArrayList<>(List.of(loss));
        out.addAll(Autodiff.grad(loss, List.of(x, w1, w2)));
        return out;
    }

    @Test
    void regionGradientsMatchWholeGraphAutodiffAndRecomputationIsExact() {
        Random rnd = new Random(3);
        HostTensor x = randomF64(rnd, Shape.of(4, 3)), w1 = randomF64(rnd, Shape.of(3, 3)), w2 = randomF64(rnd, Shape.of(3, 3)), c = f64(Shape.SCALAR, 0.7);
        var whole = run(p -> model(p, null), x, w1, w2, c);
        var saved = run(p -> model(p, GradientRegion.Policy.SAVE), x, w1, w2, c);
        var recomputed = run(p -> model(p, GradientRegion.Policy.RECOMPUTE), x, w1, w2, c);
        for (int i = 0; i < whole.size(); i++) {
            assertClose(whole.get(i), saved.get(i), 1e-14);
            assertTrue(saved.get(i).contentEquals(recomputed.get(i)), "result " + i + " bitwise equal with recomputation");
        }
        checkGradient(p -> model(p, GradientRegion.Policy.RECOMPUTE).get(0), x, w1, w2, c);
    }
}
