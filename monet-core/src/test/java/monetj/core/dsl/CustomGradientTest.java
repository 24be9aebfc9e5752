package monetj.core.dsl;

import static monetj.core.testing.GraphTesting.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import monetj.core.autodiff.Autodiff;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;

class CustomGradientTest {
    /** Identity in the forward pass whose gradient is clipped to [-1, 1]: autodiff of the body would give g. */
    private static final CustomGradient CLIPPED = CustomGradient.of("clipped_identity",
            in -> List.of(in.get(0)),
            (in, out, ct) -> List.of(ct.get(0).clamp(-1, 1)));

    @Test
    void forwardIsTheTracedBodyAndBackwardIsTheUsersRule() {
        HostTensor x = f64(Shape.of(3), 1, 2, 3);
        HostTensor w = f64(Shape.of(3), 0.5, -4, 2);
        List<HostTensor> r = run(p -> {
            Tensor y = CLIPPED.apply1(p.get(0));
            Tensor loss = y.mul(p.get(1)).sum();
            return List.of(y, Autodiff.grad(loss, List.of(p.get(0))).get(0), Autodiff.grad(p.get(0).mul(p.get(1)).sum(), List.of(p.get(0))).get(0));
        }, x, w);
        assertArrayEquals(new double[] {1, 2, 3}, r.get(0).doubles());
        assertArrayEquals(new double[] {0.5, -1, 1}, r.get(1).doubles(), "custom rule: clipped");
        assertArrayEquals(new double[] {0.5, -4, 2}, r.get(2).doubles(), "plain autodiff differs");
    }

    @Test
    void multipleInputsAndResults() {
        // f(a, b) = (a * b, a + b) with the true gradient given by hand: checked against finite differences
        CustomGradient f = CustomGradient.of("mul_add", in -> List.of(in.get(0).mul(in.get(1)), in.get(0).add(in.get(1))),
                (in, out, ct) -> List.of(ct.get(0).mul(in.get(1)).add(ct.get(1)), ct.get(0).mul(in.get(0)).add(ct.get(1))));
        HostTensor a = f64(Shape.of(2), 0.3, -1.2), b = f64(Shape.of(2), 2.0, 0.7);
        checkGradient(p -> {
            List<Tensor> r = f.apply(List.of(p.get(0), p.get(1)));
            return r.get(0).mul(3.0).add(r.get(1).square());
        }, a, b);
        // a result without a cotangent reaches the rule as zeros
        HostTensor g = run1(p -> Autodiff.grad(f.apply(List.of(p.get(0), p.get(1))).get(1).sum(), List.of(p.get(0))).get(0), a, b);
        assertArrayEquals(new double[] {1, 1}, g.doubles());
    }

    @Test
    void aWronglyTypedCotangentIsRefusedByName() {
        CustomGradient bad = CustomGradient.of("bad_rule", in -> List.of(in.get(0).sum()), (in, out, ct) -> List.of(ct.get(0)));
        var e = assertThrows(IllegalStateException.class,
                () -> run1(p -> Autodiff.grad(bad.apply1(p.get(0)), List.of(p.get(0))).get(0), f64(Shape.of(2), 1, 2)));
        assertTrue(e.getMessage().contains("bad_rule") && e.getMessage().contains("f64[]") && e.getMessage().contains("f64[2]"), e.getMessage());
    }
}
