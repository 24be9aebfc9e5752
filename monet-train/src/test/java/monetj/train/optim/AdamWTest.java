package monetj.train.optim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.testing.GraphTesting;
import org.junit.jupiter.api.Test;

class AdamWTest {
    /** Two steps of PyTorch's AdamW by hand, in double precision. */
    @Test
    void matchesTheReferenceUpdateRule() {
        double b1 = 0.9, b2 = 0.95, eps = 1e-8, wd = 0.1, lr = 1e-2;
        double[] p = {0.5, -1.0, 2.0}, g1 = {0.1, -0.2, 0.3}, g2 = {-0.05, 0.4, 0.0};
        double[] m = new double[3], v = new double[3], ref = p.clone();
        for (int t = 1; t <= 2; t++) {
            double[] g = t == 1 ? g1 : g2;
            for (int i = 0; i < 3; i++) {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                ref[i] *= 1 - lr * wd;
                ref[i] -= lr * (m[i] / (1 - Math.pow(b1, t))) / (Math.sqrt(v[i] / (1 - Math.pow(b2, t))) + eps);
            }
        }
        AdamW opt = new AdamW(b1, b2, eps, wd);
        HostTensor[] state = {HostTensor.of(Shape.of(3), p), HostTensor.of(Shape.of(3), new double[3]), HostTensor.of(Shape.of(3), new double[3])};
        for (int t = 1; t <= 2; t++) {
            double[] g = t == 1 ? g1 : g2;
            final int step = t;
            List<HostTensor> r = GraphTesting.run(a -> {
                Tensor lrT = a.get(0).scalar(lr), stepT = a.get(0).scalar(step);
                AdamW.Update u = opt.apply(a.get(0), a.get(1), a.get(2), a.get(3), lrT, stepT, true);
                return List.of(u.param(), u.m(), u.v());
            }, state[0], HostTensor.of(Shape.of(3), g), state[1], state[2]);
            state = r.toArray(new HostTensor[0]);
        }
        GraphTesting.assertClose(ref, state[0].doubles(), 1e-12);
    }

    @Test
    void clippingScalesToTheMaximumNormOnlyWhenAbove() {
        HostTensor a = HostTensor.of(Shape.of(2), new double[] {3, 0}), b = HostTensor.of(Shape.of(1), new double[] {4});
        List<HostTensor> r = GraphTesting.run(x -> {
            Tensor norm = AdamW.globalNorm(x);
            List<Tensor> c = AdamW.clip(x, norm, 1.0);
            return List.of(norm, c.get(0), c.get(1));
        }, a, b);
        assertEquals(5.0, r.get(0).getDouble(0), 1e-12);
        GraphTesting.assertClose(new double[] {0.6, 0}, r.get(1).doubles(), 1e-6);
        GraphTesting.assertClose(new double[] {0.8}, r.get(2).doubles(), 1e-6);
        List<HostTensor> same = GraphTesting.run(x -> AdamW.clip(x, AdamW.globalNorm(x), 10.0), a, b);
        GraphTesting.assertClose(new double[] {3, 0}, same.get(0).doubles(), 1e-12);
    }
}
