package monetj.train.step;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.autodiff.Autodiff;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.ir.Value;
import monetj.core.nn.ParamTree;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.model.MonetParameters;
import monetj.core.model.RoutingLosses;
import monetj.core.model.RoutingProbabilities;
import monetj.core.tensor.DType;
import monetj.core.tensor.TensorType;
import monetj.train.optim.AdamW;
import monetj.train.optim.LearningRateSchedule;

/**
 * The programs of a training run. The step program is forward, losses, backward, clipping, AdamW and the
 * schedule in one graph: parameters, buffers, moments and the step counter come in (donated) and go out
 * updated, with a vector of metrics. With gradient accumulation, the micro-batches before the last run a
 * gradient program whose summed gradients the step program adds to its own.
 *
 * <p>Arguments: parameters, buffers, m, v, step (s32), tokens [micro, seq+1] (s32), then the accumulated
 * gradients when there are earlier micro-batches. Results: the same state in the same order, then metrics.
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
        EVAL
    }

    /** Static settings the programs are traced with. */
    public record Settings(MonetConfig model, int microBatch, int seqLen, int accumulation, boolean bf16, AdamW optimizer, double gradClip,
            LearningRateSchedule schedule, double uniformityWeight, double ambiguityWeight) {}

    private TrainStepProgram() {}

    /** Builds one program; {@code state} supplies the names and types of the state tensors. */
    public static Graph build(Kind kind, Settings s, TrainState state) {
        Graph g = new Graph("monet_" + kind.name().toLowerCase());
        Map<String, Tensor> params = declare(g, state.params(), "");
        Map<String, Tensor> buffers = declare(g, state.buffers(), "");
        boolean step = kind == Kind.STEP || kind == Kind.STEP_ACCUMULATED;
        Map<String, Tensor> m = step ? declare(g, state.m(), "m.") : Map.of(), v = step ? declare(g, state.v(), "v.") : Map.of();
        Tensor counter = step ? new Tensor(g, g.parameter("step", TensorType.of(DType.S32))) : null;
        Tensor tokens = new Tensor(g, g.parameter("tokens", TensorType.of(DType.S32, s.microBatch(), s.seqLen() + 1)));
        boolean gradIn = kind == Kind.GRADIENTS_ADD || kind == Kind.STEP_ACCUMULATED;
        Map<String, Tensor> earlier = gradIn ? declare(g, state.params(), "grad.") : Map.of();

        Map<String, Tensor> weights = new LinkedHashMap<>();
        for (String name : MonetParameters.layout(s.model()).keySet()) {
            Tensor p = params.containsKey(name) ? params.get(name) : buffers.get(name);
            weights.put(name, s.bf16() && params.containsKey(name) ? p.convert(DType.BF16) : p);
        }
        int t = s.seqLen();
        Tensor ids = tokens.slice(1, 0, t), targets = tokens.slice(1, 1, t + 1);
        MonetModel.Output out = new MonetModel(s.model()).forward(ParamTree.of(weights), ids, kind != Kind.EVAL);
        Tensor lm = out.logits().crossEntropy(targets);
        if (kind == Kind.EVAL) {
            g.setOutputs(List.of(lm.value()));
            return g;
        }
        List<RoutingProbabilities> routers = out.routers();
        Tensor unif = RoutingLosses.uniformity(routers), amb = RoutingLosses.ambiguity(routers);
        Tensor loss = lm.add(unif.mul(s.uniformityWeight())).add(amb.mul(s.ambiguityWeight()));

        List<String> names = new ArrayList<>(params.keySet());
        List<Tensor> grads = Autodiff.grad(loss, names.stream().map(params::get).toList());
        if (gradIn) {
            List<Tensor> summed = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) summed.add(grads.get(i).add(earlier.get(names.get(i))));
            grads = summed;
        }
        List<Value> results = new ArrayList<>();
        Tensor gradNorm = loss.zerosLike(), lr = loss.zerosLike();
        if (step) {
            if (s.accumulation() > 1) grads = grads.stream().map(x -> x.div(s.accumulation())).toList();
            gradNorm = AdamW.globalNorm(grads);
            List<Tensor> clipped = AdamW.clip(grads, gradNorm, s.gradClip());
            Tensor stepF = counter.convert(DType.F32);
            lr = s.schedule().at(stepF);
            Tensor t1 = stepF.add(1.0);
            List<Value> newP = new ArrayList<>(), newM = new ArrayList<>(), newV = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                String n = names.get(i);
                AdamW.Update u = s.optimizer().apply(params.get(n), clipped.get(i), m.get(n), v.get(n), lr, t1, MonetParameters.isDecayed(n));
                newP.add(u.param().value());
                newM.add(u.m().value());
                newV.add(u.v().value());
            }
            results.addAll(newP);
            results.addAll(updatedBuffers(buffers, out));
            results.addAll(newM);
            results.addAll(newV);
            results.add(counter.add(counter.onesLike()).value());
        } else {
            results.addAll(updatedBuffers(buffers, out));
            grads.forEach(x -> results.add(x.value()));
        }
        Tensor[] health = routingHealth(routers);
        Tensor metrics = Tensor.concat(0, loss.reshape(1), lm.reshape(1), unif.reshape(1), amb.reshape(1), gradNorm.reshape(1), lr.reshape(1),
                health[0].reshape(1), health[1].reshape(1));
        results.add(metrics.value());
        g.setOutputs(results);
        return g;
    }

    private static Map<String, Tensor> declare(Graph g, Map<String, ? extends monetj.core.tensor.HostTensor> tensors, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((name, t) -> out.put(name, new Tensor(g, g.parameter(prefix + name, t.type()))));
        return out;
    }

    private static List<Value> updatedBuffers(Map<String, Tensor> buffers, MonetModel.Output out) {
        List<Value> r = new ArrayList<>();
        buffers.forEach((name, b) -> r.add(out.bufferUpdates().getOrDefault(name, b).value()));
        return r;
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
