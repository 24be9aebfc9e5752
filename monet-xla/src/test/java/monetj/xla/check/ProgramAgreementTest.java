package monetj.xla.check;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;

/** The verdicts: agreement, differences explained by routing flips near the cut, and everything else. */
class ProgramAgreementTest {
    private static final Shape ROUTING = Shape.of(1, 1, 1, 2); // [B, T, heads, experts]

    private static Map<String, HostTensor> routing(float g0, float g1, float m0, float m1) {
        return Map.of("layer0.g1", HostTensor.of(ROUTING, new float[] {g0, g1}), "layer0.margin1", HostTensor.of(ROUTING, new float[] {m0, m1}));
    }

    /** A bf16-mixed program whose one output is [1, 2] on the reference, [1, 2.01] in f32 there, and [1, candidate] on the candidate. */
    private static ProgramAgreement compare(float candidate, Map<String, HostTensor> candidateRouting) {
        HostTensor want = HostTensor.of(Shape.of(2), new float[] {1, 2}), f32 = HostTensor.of(Shape.of(2), new float[] {1, 2.01f});
        return ProgramAgreement.of("p", List.of("out"), List.of(want), List.of(HostTensor.of(Shape.of(2), new float[] {1, candidate})),
                List.of(f32), routing(1, 0, 0, -0.01f), candidateRouting);
    }

    @Test
    void bf16OutputsMayDifferByTwiceTheReferencesOwnDistanceFromF32() {
        // ||[1, 2.01] - [1, 2]|| / ||[1, 2]|| = 0.0045: the candidate may be 0.0089 away in norm, 0.02 in its second element.
        assertEquals(ProgramAgreement.Verdict.AGREE, compare(2.019f, routing(1, 0, 0, -0.01f)).verdict());
        assertEquals(ProgramAgreement.Verdict.DISAGREE, compare(2.021f, routing(1, 0, 0, -0.01f)).verdict());
    }

    @Test
    void equalOutputsAndRoutingAgree() {
        assertEquals(ProgramAgreement.Verdict.AGREE, compare(2, routing(1, 0, 0, -0.01f)).verdict());
        HostTensor want = HostTensor.of(Shape.of(2), new float[] {1, 1e-8f});
        ProgramAgreement f32 = ProgramAgreement.of("p", List.of("out"), List.of(want), List.of(HostTensor.of(Shape.of(2), new float[] {1, 2e-8f})),
                null, routing(1, 0, 0, -0.01f), routing(1, 0, 0, -0.01f));
        assertEquals(ProgramAgreement.Verdict.AGREE, f32.verdict(), "f32: absolute to the output's scale: " + f32.report());
    }

    @Test
    void aDifferenceWithoutAFlipDisagrees() {
        assertEquals(ProgramAgreement.Verdict.DISAGREE, compare(3, routing(1, 0, 0, -0.01f)).verdict());
    }

    @Test
    void aDifferenceWithAFlipNearTheCutIsAFlipAndAFlipFarFromItDisagrees() {
        ProgramAgreement near = compare(3, routing(0.6f, 0.4f, 0, 0.001f));
        assertEquals(ProgramAgreement.Verdict.ROUTING_FLIP, near.verdict(), near.report());
        assertEquals(1, near.flips().size());
        assertEquals(ProgramAgreement.Verdict.DISAGREE, compare(3, routing(0.6f, 0.4f, 0, 0.5f)).verdict());
    }

    @Test
    void aFarFlipDownstreamOfARoundingFlipIsExplained() {
        List<RoutingFlips.Flip> flips = List.of(new RoutingFlips.Flip("layer0.g1", 0, 3, 0, 1, 0.001, -0.001),
                new RoutingFlips.Flip("layer4.g2", 0, 5, 1, 2, -0.004, 0.08), new RoutingFlips.Flip("layer4.g1", 1, 5, 0, 2, -0.004, 0.08));
        ProgramAgreement a = new ProgramAgreement("p", List.of(), flips, 1.0 / 32);
        assertEquals(List.of(flips.get(2)), a.unexplainedFlips(), "only the far flip in the other sequence is unexplained");
    }
}
