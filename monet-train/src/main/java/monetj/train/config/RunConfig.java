package monetj.train.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A training run, as written in a YAML or JSON run config. Every section has defaults, so a config names only
 * what differs; {@link RunConfigLoader} rejects unknown keys and checks every value.
 *
 * @param model a path to a Hugging Face style model config (relative to the run config), or the config inline
 */
public record RunConfig(
        JsonNode model,
        Data data,
        Train train,
        Optimizer optimizer,
        Schedule schedule,
        Loss loss,
        Checkpoint checkpoint,
        Backend backend,
        Mesh mesh) {

    public RunConfig {
        data = data != null ? data : new Data(null, null, null, null, null, null, null);
        train = train != null ? train : new Train(null, null, null, null, null, null, null, null, null, null, null);
        optimizer = optimizer != null ? optimizer : new Optimizer(null, null, null, null, null);
        schedule = schedule != null ? schedule : new Schedule(null, null, null, null);
        loss = loss != null ? loss : new Loss(null, null);
        checkpoint = checkpoint != null ? checkpoint : new Checkpoint(null, null);
        backend = backend != null ? backend : new Backend(null, null, null);
        mesh = mesh != null ? mesh : new Mesh(null, null, null, null, null, null);
    }

    /**
     * Where tokens come from: prepared token shards (a directory written by {@code monet data prepare}) or raw
     * parquet / JSON-lines files tokenized on the fly. Shards must have been prepared with {@code tokenizer}
     * (same tokenizer.json SHA-256 and vocabulary) unless {@code allowTokenizerMismatch} says the ids are known to agree.
     */
    public record Data(String train, String validation, String tokenizer, Integer seqLen, Integer seed, Boolean eos, Boolean allowTokenizerMismatch) {
        public Data {
            allowTokenizerMismatch = def(allowTokenizerMismatch, false);
            seqLen = def(seqLen, 2048);
            seed = def(seed, 0);
            tokenizer = def(tokenizer, "llama2");
            eos = def(eos, false);
            positive("data.seq_len", seqLen);
        }
    }

    /**
     * @param steps total optimizer steps of the run (a resumed run continues up to it)
     * @param batchSize sequences per optimizer step (global batch)
     * @param microBatchSize sequences per forward/backward; gradients are accumulated over batch/micro
     * @param remat {@code none} keeps each decoder layer's activations for the backward pass, {@code layer} recomputes them
     * @param initFrom a Hugging Face model directory whose weights a fresh run starts from (null: random initialisation)
     * @param freeze globs over parameter names ({@code *} any characters, {@code ?} one) of parameters the run does not train
     */
    public record Train(Integer steps, Integer batchSize, Integer microBatchSize, Integer seed, Integer logEvery, Integer evalEvery,
            Integer evalBatches, String precision, String remat, String initFrom, List<String> freeze) {
        public Train {
            freeze = freeze == null ? List.of() : List.copyOf(freeze);
            if (freeze.stream().anyMatch(g -> g == null || g.isBlank())) throw new ConfigException("train.freeze", "has an empty glob: " + freeze);
            if (initFrom != null && initFrom.isBlank()) throw new ConfigException("train.init_from", "must name a model directory");
            steps = def(steps, 1000);
            batchSize = def(batchSize, 8);
            microBatchSize = def(microBatchSize, batchSize);
            seed = def(seed, 0);
            logEvery = def(logEvery, 1);
            evalEvery = def(evalEvery, 100);
            evalBatches = def(evalBatches, 4);
            precision = def(precision, "auto");
            remat = def(remat, "none");
            positive("train.steps", steps);
            positive("train.batch_size", batchSize);
            positive("train.micro_batch_size", microBatchSize);
            positive("train.log_every", logEvery);
            nonNegative("train.eval_every", evalEvery);
            positive("train.eval_batches", evalBatches);
            if (batchSize % microBatchSize != 0) {
                throw new ConfigException("train.micro_batch_size", "must divide train.batch_size (" + batchSize + "), got " + microBatchSize);
            }
            oneOf("train.precision", precision, List.of("auto", "f32", "bf16-mixed"));
            oneOf("train.remat", remat, List.of("none", "layer"));
        }

        public int accumulationSteps() { return batchSize / microBatchSize; }
    }

    /** AdamW with decoupled weight decay (none on norms, biases and the expert biases b/b1/b2) and global-norm clipping. */
    public record Optimizer(Double lr, List<Double> betas, Double eps, Double weightDecay, Double gradClip) {
        public Optimizer {
            lr = def(lr, 5e-4);
            betas = def(betas, List.of(0.9, 0.95));
            eps = def(eps, 1e-8);
            weightDecay = def(weightDecay, 0.1);
            gradClip = def(gradClip, 1.0);
            if (!(lr > 0)) throw new ConfigException("optimizer.lr", "must be positive, got " + lr);
            if (betas.size() != 2 || betas.stream().anyMatch(b -> !(b >= 0 && b < 1))) {
                throw new ConfigException("optimizer.betas", "must be two numbers in [0, 1), got " + betas);
            }
            if (!(eps > 0)) throw new ConfigException("optimizer.eps", "must be positive, got " + eps);
            if (!(weightDecay >= 0)) throw new ConfigException("optimizer.weight_decay", "must be >= 0, got " + weightDecay);
            if (!(gradClip >= 0)) throw new ConfigException("optimizer.grad_clip", "must be >= 0 (0 disables clipping), got " + gradClip);
        }
    }

    /**
     * Linear warmup, then cosine or linear decay to {@code minLrRatio * lr} at step {@code totalSteps} (default:
     * {@code train.steps}); steps past it train at the final rate.
     */
    public record Schedule(Integer warmupSteps, String decay, Double minLrRatio, Integer totalSteps) {
        public Schedule {
            if (totalSteps != null) positive("schedule.total_steps", totalSteps);
            warmupSteps = def(warmupSteps, 0);
            decay = def(decay, "cosine");
            minLrRatio = def(minLrRatio, 0.1);
            nonNegative("schedule.warmup_steps", warmupSteps);
            oneOf("schedule.decay", decay, List.of("cosine", "linear", "constant"));
            if (!(minLrRatio >= 0 && minLrRatio <= 1)) throw new ConfigException("schedule.min_lr_ratio", "must be in [0, 1], got " + minLrRatio);
        }
    }

    /** Weights of the auxiliary routing losses (the paper's λ = 1e-3 for both). */
    public record Loss(Double uniformityWeight, Double ambiguityWeight) {
        public Loss {
            uniformityWeight = def(uniformityWeight, 1e-3);
            ambiguityWeight = def(ambiguityWeight, 1e-3);
            if (!(uniformityWeight >= 0)) throw new ConfigException("loss.uniformity_weight", "must be >= 0, got " + uniformityWeight);
            if (!(ambiguityWeight >= 0)) throw new ConfigException("loss.ambiguity_weight", "must be >= 0, got " + ambiguityWeight);
        }
    }

    /** Checkpoint every {@code every} steps (0: only at the end and on interrupt), keeping the last {@code keep}. */
    public record Checkpoint(Integer every, Integer keep) {
        public Checkpoint {
            every = def(every, 1000);
            keep = def(keep, 3);
            nonNegative("checkpoint.every", every);
            positive("checkpoint.keep", keep);
        }
    }

    /**
     * {@code kind}: a backend provider's name, e.g. {@code java} (the embedded executor) or {@code pjrt} (a plugin
     * found by path or discovery); the names come from the providers on the class path (see {@code Backends}).
     */
    public record Backend(String kind, String plugin, Double memoryFraction) {
        public Backend {
            kind = def(kind, "java");
            if (kind.isBlank()) throw new ConfigException("backend.kind", "must name a backend, e.g. java or pjrt");
            if (memoryFraction != null && !(memoryFraction > 0 && memoryFraction <= 1)) {
                throw new ConfigException("backend.memory_fraction", "must be in (0, 1], got " + memoryFraction);
            }
        }
    }

    /**
     * The device mesh in MaxText's vocabulary: sizes of the axes {@code data}, {@code fsdp}, {@code tensor} and
     * {@code expert}, multiplying to the device count; one may be -1 (the rest). {@code rules} maps logical axis
     * names to mesh axes over the defaults ({@code LogicalAxisRules.DEFAULTS}); {@code partitioner} is how the
     * emitted module spells its shardings, {@code shardy} or {@code gspmd}.
     */
    public record Mesh(Integer data, Integer fsdp, Integer tensor, Integer expert, java.util.Map<String, List<String>> rules, String partitioner) {
        public static final List<String> AXES = List.of("data", "fsdp", "tensor", "expert");

        public Mesh {
            data = def(data, 1);
            fsdp = def(fsdp, -1);
            tensor = def(tensor, 1);
            expert = def(expert, 1);
            rules = def(rules, java.util.Map.of());
            partitioner = def(partitioner, "shardy");
            int rest = 0;
            int[] sizes = {data, fsdp, tensor, expert}; // the fields are assigned only after this constructor body
            for (int i = 0; i < 4; i++) {
                int size = sizes[i];
                if (size == -1) rest++;
                else if (size < 1) throw new ConfigException("mesh." + AXES.get(i), "must be a positive size or -1 (the rest of the devices), got " + size);
            }
            if (rest > 1) throw new ConfigException("mesh", "at most one axis may be -1, got " + java.util.Arrays.toString(sizes));
            oneOf("mesh.partitioner", partitioner, List.of("shardy", "gspmd"));
        }

        /** data, fsdp, tensor, expert as written (-1 for the rest). */
        public int[] sizes() { return new int[] {data, fsdp, tensor, expert}; }

        /** Whether the sizes fix the device count (no axis is -1). */
        public boolean fixed() { return java.util.Arrays.stream(sizes()).allMatch(s -> s > 0); }

        /** The sizes on {@code devices} devices, the -1 axis taking the rest; refused when they do not multiply to it. */
        public int[] resolve(int devices) {
            int[] s = sizes();
            int known = 1, free = -1;
            for (int i = 0; i < 4; i++) {
                if (s[i] == -1) free = i;
                else known *= s[i];
            }
            if (free >= 0) {
                if (devices % known != 0) throw new ConfigException("mesh", "sizes " + java.util.Arrays.toString(s) + " do not divide the " + devices + " devices");
                s[free] = devices / known;
            } else if (known != devices) {
                throw new ConfigException("mesh", "sizes " + java.util.Arrays.toString(s) + " (data, fsdp, tensor, expert) multiply to " + known + ", but there are " + devices + " devices");
            }
            return s;
        }
    }

    private static <T> T def(T v, T d) { return v != null ? v : d; }

    private static void positive(String key, int v) {
        if (v <= 0) throw new ConfigException(key, "must be a positive integer, got " + v);
    }

    private static void nonNegative(String key, int v) {
        if (v < 0) throw new ConfigException(key, "must be >= 0, got " + v);
    }

    private static void oneOf(String key, String v, List<String> allowed) {
        if (!allowed.contains(v)) throw new ConfigException(key, "must be one of " + allowed + ", got \"" + v + "\"");
    }
}
