package monetj.train.step;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import monetj.core.autodiff.Autodiff;
import monetj.core.dsl.Tensor;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.model.Remat;
import monetj.core.model.RoutingLosses;
import monetj.core.model.RoutingProbabilities;
import monetj.core.nn.Param;
import monetj.core.nn.ParamTree;
import monetj.core.nn.Precision;
import monetj.core.program.MetricCombine;
import monetj.core.program.Program;
import monetj.core.program.ProgramBuilder;
import monetj.core.tensor.DType;
import monetj.core.tensor.TensorType;
import monetj.train.config.RunConfig;
import monetj.train.optim.AdamW;
import monetj.train.optim.LearningRateSchedule;

/**
 * The programs of a training run. The step program is forward, losses, backward, clipping, AdamW and the
 * schedule in one graph: parameters, buffers, moments and the step counter come in (donated) and go out
 * updated under the same names, with named scalar metrics. With gradient accumulation, the micro-batches
 * before the last run a gradient program whose summed gradients ({@code grad.<path>}) the step program adds
 * to its own.
 *
 * <p>Signature groups: arguments {@code params} (paths), {@code frozen} (paths of the parameters {@code train.freeze}
 * names: read, never differentiated, updated, donated or returned, and without moments), {@code buffers} (paths),
 * {@code m} and {@code v} ({@code m.<path>}, {@code v.<path>}), {@code step}, {@code batch} ({@code tokens}
 * [micro, seq+1] s32; with a masked loss also {@code loss_mask} [micro, seq+1] s32 and {@code loss_targets} f32,
 * see {@link MaskedLoss}) and {@code grads} ({@code grad.<path>}, when there are earlier micro-batches); results:
 * the updated state groups and {@code metrics}.
 */
public final class TrainStepProgram {
    /** What a program does with gradients. */
    public enum Kind {
        /** First micro-batch of several: gradients out. */
        GRADIENTS_FIRST,
        /** A middle micro-batch: gradients in, summed gradients out. */
        GRADIENTS_ADD,
        /** The whole step with a single micro-batch. */
        STEP,
        /** The last micro-batch: adds the earlier gradients, then updates. */
        STEP_ACCUMULATED,
        /** Validation: eval-mode LM loss only. */
        EVAL;

        boolean updates() { return this == STEP || this == STEP_ACCUMULATED; }

        boolean takesGradients() { return this == GRADIENTS_ADD || this == STEP_ACCUMULATED; }
    }

    /** Static settings the programs are traced with. */
    public record Settings(MonetConfig model, int microBatch, int seqLen, int accumulation, Precision precision, Remat remat, AdamW optimizer,
            double gradClip, LearningRateSchedule schedule, double uniformityWeight, double ambiguityWeight, Set<String> frozen, boolean maskedLoss) {
        /** Every trainable parameter trained, the loss over every target. */
        public Settings(MonetConfig model, int microBatch, int seqLen, int accumulation, Precision precision, Remat remat, AdamW optimizer,
                double gradClip, LearningRateSchedule schedule, double uniformityWeight, double ambiguityWeight) {
            this(model, microBatch, seqLen, accumulation, precision, remat, optimizer, gradClip, schedule, uniformityWeight, ambiguityWeight, Set.of(), false);
        }

        /** The settings of a run config whose data has no loss mask. */
        public static Settings of(RunConfig rc, MonetConfig model, Precision precision) { return of(rc, model, precision, false); }

        /** The settings of a run config, read once; {@code maskedLoss} when its data carries a loss mask. */
        public static Settings of(RunConfig rc, MonetConfig model, Precision precision, boolean maskedLoss) {
            RunConfig.Optimizer o = rc.optimizer();
            return new Settings(model, rc.train().microBatchSize(), rc.data().seqLen(), rc.train().accumulationSteps(), precision, Remat.named(rc.train().remat()),
                    new AdamW(o.betas().get(0), o.betas().get(1), o.eps(), o.weightDecay()), o.gradClip(), LearningRateSchedule.of(rc),
                    rc.loss().uniformityWeight(), rc.loss().ambiguityWeight(), FrozenParameters.select(model, rc.train().freeze()), maskedLoss);
        }

        /** The paths AdamW updates: trainable and not frozen. */
        public Set<String> trained() {
            Set<String> out = new LinkedHashSet<>(new MonetModel(model).trainablePaths());
            out.removeAll(frozen);
            return out;
        }
    }

    /** The logical axes of the token batch [micro_batch, seq_len + 1]. */
    public static final List<String> TOKEN_AXES = List.of("batch", "length");

    private TrainStepProgram() {}

    /** Builds one program; the state's names and types come from the model's module tree. */
    public static Program build(Kind kind, Settings s) { return build(kind, s, null); }

    /**
     * As {@link #build(Kind, Settings)}, sharded over the mesh of {@code rules} (null: unsharded): each variable as the
     * rules map its declared logical axes, its moments and gradients like it, the tokens' batch over (data, fsdp), the
     * expert activations as their layers declare, and every other leaf replicated.
     */
    public static Program build(Kind kind, Settings s, LogicalAxisRules rules) {
        MonetModel model = new MonetModel(s.model(), s.precision());
        ProgramBuilder b = new ProgramBuilder("monet_" + kind.name().toLowerCase());
        if (rules != null) {
            model.shard(rules);
            b.onMesh(rules.mesh()).graph().setAxisRules(rules);
        }
        boolean step = kind.updates();
        // Parameters are only read by gradient and eval programs; everything a program returns updated is donated.
        ParamTree<Tensor> variables = b.variables(model, Map.of(), s.frozen(), step, kind != Kind.EVAL);
        Set<String> trained = s.trained();
        ParamTree<TensorType> paramTypes = model.types().filter(trained::contains);
        ParamTree<Tensor> m = step ? b.inputs("m", "m.", paramTypes, model.shardings(), true) : null;
        ParamTree<Tensor> v = step ? b.inputs("v", "v.", paramTypes, model.shardings(), true) : null;
        Tensor counter = step ? b.input("step", "step", TensorType.of(DType.S32), null, true) : null;
        TensorType tokenType = TensorType.of(DType.S32, s.microBatch(), s.seqLen() + 1);
        Tensor tokens = b.input("batch", "tokens", tokenType, rules == null ? null : rules.sharding("tokens", TOKEN_AXES, tokenType.shape()), false);
        Tensor lossMask = s.maskedLoss()
                ? b.input("batch", "loss_mask", tokenType, rules == null ? null : rules.sharding("loss_mask", TOKEN_AXES, tokenType.shape()), false) : null;
        Tensor targetCount = s.maskedLoss() ? b.input("batch", "loss_targets", TensorType.of(DType.F32)) : null;
        ParamTree<Tensor> earlier = kind.takesGradients() ? b.inputs("grads", "grad.", paramTypes, model.shardings(), true) : null;

        int t = s.seqLen();
        Tensor ids = tokens.slice(1, 0, t), targets = tokens.slice(1, 1, t + 1);
        MonetModel.Output out = model.forward(variables, ids, kind != Kind.EVAL, s.remat());
        Tensor lm = lossMask == null ? out.logits().crossEntropy(targets)
                : MaskedLoss.crossEntropy(out.logits(), targets, lossMask.slice(1, 1, t + 1), targetCount);
        if (kind == Kind.EVAL) {
            b.metric("lm_loss", lm, MetricCombine.MEAN);
            return b.build();
        }
        List<RoutingProbabilities> routers = out.routers();
        Tensor unif = RoutingLosses.uniformity(routers), amb = RoutingLosses.ambiguity(routers);
        Tensor loss = lm.add(unif.mul(s.uniformityWeight())).add(amb.mul(s.ambiguityWeight()));

        List<Param> params = model.parameters().stream().filter(p -> trained.contains(p.path())).toList();
        List<Tensor> grads = Autodiff.grad(loss, params.stream().map(variables::get).toList());
        if (earlier != null) {
            List<Tensor> summed = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) summed.add(grads.get(i).add(earlier.get(params.get(i))));
            grads = summed;
        }
        if (step) {
            if (s.accumulation() > 1) grads = grads.stream().map(x -> x.div(s.accumulation())).toList();
            Tensor gradNorm = AdamW.globalNorm(grads);
            List<Tensor> clipped = AdamW.clip(grads, gradNorm, s.gradClip());
            Tensor stepF = counter.convert(DType.F32);
            Tensor lr = s.schedule().at(stepF);
            Tensor t1 = stepF.add(1.0);
            List<AdamW.Update> updates = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                Param p = params.get(i);
                updates.add(s.optimizer().apply(variables.get(p), clipped.get(i), m.get(p), v.get(p), lr, t1, p.decayed()));
            }
            for (int i = 0; i < params.size(); i++) b.output("params", params.get(i).path(), updates.get(i).param());
            b.outputs("buffers", "", ParamTree.of(out.buffers()));
            for (int i = 0; i < params.size(); i++) b.output("m", "m." + params.get(i).path(), updates.get(i).m());
            for (int i = 0; i < params.size(); i++) b.output("v", "v." + params.get(i).path(), updates.get(i).v());
            b.output("step", "step", counter.add(counter.onesLike()));
            metrics(b, loss, lm, unif, amb, routers);
            b.metric("grad_norm", gradNorm, MetricCombine.LAST);
            b.metric("lr", lr, MetricCombine.LAST);
        } else {
            b.outputs("buffers", "", ParamTree.of(out.buffers()));
            for (int i = 0; i < params.size(); i++) {
                // Laid out like the parameter, as the next micro-batch's program takes it (not left to the replicated default).
                if (rules != null) b.graph().shard(grads.get(i).value(), model.shardings().get(params.get(i).path()));
                b.output("grads", "grad." + params.get(i).path(), grads.get(i));
            }
            metrics(b, loss, lm, unif, amb, routers);
        }
        return b.build();
    }

    /** The losses and routing health every training micro-batch reports, averaged over the micro-batches. */
    private static void metrics(ProgramBuilder b, Tensor loss, Tensor lm, Tensor unif, Tensor amb, List<RoutingProbabilities> routers) {
        b.metric("loss", loss, MetricCombine.MEAN);
        b.metric("lm_loss", lm, MetricCombine.MEAN);
        b.metric("uniformity", unif, MetricCombine.MEAN);
        b.metric("ambiguity", amb, MetricCombine.MEAN);
        Tensor[] health = routingHealth(routers);
        b.metric("unused_experts", health[0], MetricCombine.MEAN);
        b.metric("selected_per_head", health[1], MetricCombine.MEAN);
    }

    /** [fraction of (head, expert) pairs selected by no token, mean experts selected per token and head]. */
    private static Tensor[] routingHealth(List<RoutingProbabilities> routers) {
        Tensor unused = null, selected = null;
        for (RoutingProbabilities r : routers) {
            for (Tensor gAxis : List.of(r.g1(), r.g2())) {
                Tensor chosen = gAxis.gt(0.0).where(gAxis.onesLike(), gAxis.zerosLike());
                Tensor u = chosen.max(0, 1).mean().neg().add(1.0);
                Tensor sel = chosen.sum(-1).mean();
                unused = unused == null ? u : unused.add(u);
                selected = selected == null ? sel : selected.add(sel);
            }
        }
        int n = 2 * routers.size();
        return new Tensor[] {unused.div(n), selected.div(n)};
    }
}
