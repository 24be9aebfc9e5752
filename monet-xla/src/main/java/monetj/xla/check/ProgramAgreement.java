package monetj.xla.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import monetj.core.tensor.HostTensor;

/**
 * A whole program run on a candidate backend and on the reference: every output against
 * {@link AgreementPolicy#f32ProgramOutput} or {@link AgreementPolicy#bf16ProgramOutput}, and the routing decisions of the same forward pass ({@link RoutingProbe}).
 *
 * <p>Verdicts: {@code AGREE} when every output agrees. {@code ROUTING_FLIP} when outputs differ and the backends
 * selected different experts for some tokens, every flip within rounding of the cut
 * ({@link AgreementPolicy#roundingFlipMargin}) or downstream of such a flip: the difference is the discrete
 * decision, reported flip by flip, not a numeric one a tolerance should absorb. {@code DISAGREE} otherwise, and
 * whenever a flip sits far from the cut with no earlier flip to explain it (a wrong program, not rounding).
 */
public record ProgramAgreement(String program, List<OutputAgreement> outputs, List<RoutingFlips.Flip> flips, double flipMarginBound) {
    public enum Verdict { AGREE, ROUTING_FLIP, DISAGREE }

    /**
     * Compares named outputs (reference and candidate in the same order) and the routing-probe results of both
     * backends. {@code referenceF32} is null for an f32 program; for a bf16-mixed one it holds the reference
     * backend's results of the same program in f32, which set each output's allowance.
     */
    public static ProgramAgreement of(String program, List<String> names, List<HostTensor> reference, List<HostTensor> candidate,
            List<HostTensor> referenceF32, Map<String, HostTensor> referenceRouting, Map<String, HostTensor> candidateRouting) {
        boolean bf16Mixed = referenceF32 != null;
        List<OutputAgreement> outputs = new ArrayList<>();
        for (int i = 0; i < reference.size(); i++) {
            HostTensor r = reference.get(i), c = candidate.get(i);
            outputs.add(bf16Mixed ? OutputAgreement.inNorm(names.get(i), r, c, AgreementPolicy.bf16ProgramOutput(r, referenceF32.get(i)))
                    : OutputAgreement.of(names.get(i), r, c, AgreementPolicy.f32ProgramOutput(r)));
        }
        return new ProgramAgreement(program, outputs, RoutingFlips.between(referenceRouting, candidateRouting), AgreementPolicy.roundingFlipMargin(bf16Mixed));
    }

    public List<OutputAgreement> disagreements() { return outputs.stream().filter(o -> !o.agrees()).toList(); }

    /**
     * Flips that neither rounding nor an earlier flip explains: a flip is explained when it sits within rounding of
     * the cut, or when an explained flip in an earlier router layer changed the same sequence at that token or
     * before it (causal attention carries the difference to every later token, whose later routers then see
     * different inputs and may decide far from the cut).
     */
    public List<RoutingFlips.Flip> unexplainedFlips() {
        List<RoutingFlips.Flip> explained = new ArrayList<>(), unexplained = new ArrayList<>();
        List<RoutingFlips.Flip> byLayer = flips.stream().sorted(java.util.Comparator.comparingInt(ProgramAgreement::layer)).toList();
        for (RoutingFlips.Flip f : byLayer) {
            boolean rounding = Math.max(Math.abs(f.referenceMargin()), Math.abs(f.candidateMargin())) <= flipMarginBound;
            boolean cascaded = explained.stream().anyMatch(e -> layer(e) < layer(f) && e.batch() == f.batch() && e.token() <= f.token());
            (rounding || cascaded ? explained : unexplained).add(f);
        }
        return unexplained;
    }

    private static int layer(RoutingFlips.Flip f) { return Integer.parseInt(f.router().replaceAll("^layer(\\d+)\\..*", "$1")); }

    public Verdict verdict() {
        if (!unexplainedFlips().isEmpty()) return Verdict.DISAGREE;
        if (disagreements().isEmpty()) return Verdict.AGREE;
        return flips.isEmpty() ? Verdict.DISAGREE : Verdict.ROUTING_FLIP;
    }

    /** The verdict with every flip and every disagreeing output. */
    public String report() {
        StringBuilder sb = new StringBuilder(program).append(": ").append(verdict());
        List<OutputAgreement> off = disagreements();
        sb.append(String.format(" (%d of %d outputs outside tolerance, %d routing flips, %d beyond the rounding margin %.0e)",
                off.size(), outputs.size(), flips.size(), unexplainedFlips().size(), flipMarginBound));
        for (RoutingFlips.Flip f : flips) sb.append("\n  flip ").append(f);
        for (OutputAgreement o : off) sb.append("\n  ").append(o);
        return sb.toString();
    }
}
