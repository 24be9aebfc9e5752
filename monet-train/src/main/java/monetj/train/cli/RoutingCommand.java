package monetj.train.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import monetj.core.backend.Backend;
import monetj.core.interp.ComposedScores;
import monetj.core.interp.ModelFingerprint;
import monetj.core.interp.RoutingCapture;
import monetj.core.interp.TokenPieces;
import monetj.core.model.ForwardProgram;
import monetj.core.model.HfModelDirectory;
import monetj.core.model.MonetConfig;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import monetj.core.tensor.Shape;
import monetj.data.tokenizer.TextTokenizer;
import monetj.train.interp.ModelTokenizer;
import monetj.train.interp.TokenRows;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code monet routing}: the top composed experts of every token in every routing group. */
@Command(name = "routing", mixinStandardHelpOptions = true,
        description = {"The top composed experts of each token in each routing group.",
                "Score S_ij = sum_h g1[h,i] g2[h,j] (eval-mode routing), expert id = i*E + j;",
                "a table for --text, a safetensors file (--out) for --input ids."})
public final class RoutingCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face model directory")
    Path model;

    @ArgGroup(multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--text", description = "text to route (BOS is prepended)")
        String text;

        @Option(names = "--input", description = "safetensors file holding input_ids int32 [B,T]")
        Path input;
    }

    @Option(names = "--out", description = "with --input: where to write group<G>.experts int32 [B,T,top], group<G>.scores f32 [B,T,top], group<G>.active int32 [B,T]")
    Path out;

    @Option(names = "--top", defaultValue = "8", description = "experts shown per token and group; default ${DEFAULT-VALUE}")
    int top;

    @Option(names = "--threshold", defaultValue = "0.01", description = "'active' counts experts scoring above this; default ${DEFAULT-VALUE}")
    double threshold;

    @Option(names = "--tokenizer", description = "tokenizer.json (default: the model directory's, else llama2)")
    String tokenizer;

    @Mixin
    BackendOptions backendOptions;

    @Override
    public Integer call() throws Exception {
        if (top < 1) throw new IllegalArgumentException("--top must be positive, got " + top);
        if (source.input != null && out == null) throw new IllegalArgumentException("--input needs --out (the file to write the routing to)");
        HfModelDirectory.Model m = HfModelDirectory.read(model);
        MonetConfig c = m.config();
        HostTensor ids;
        TokenPieces pieces = null;
        if (source.text != null) {
            Path tokJson = ModelTokenizer.find(tokenizer, model, null);
            if (tokJson == null) tokJson = monetj.data.tokenizer.TokenizerLocator.resolve(monetj.data.tokenizer.TokenizerLocator.LLAMA2);
            try (TextTokenizer tok = TextTokenizer.load(tokJson)) {
                TextTokenizer.requireFitsModel(tok.info(), c.vocabSize());
                int[] body = tok.encode(source.text);
                int[] seq = new int[body.length + 1];
                seq[0] = c.bosTokenId();
                System.arraycopy(body, 0, seq, 1, body.length);
                ids = HostTensor.of(Shape.of(1, seq.length), seq);
            }
            pieces = TokenPieces.read(tokJson);
        } else {
            try (TokenRows rows = TokenRows.ofIds(source.input)) {
                int[] all = new int[Math.toIntExact(rows.rows() * rows.seqLen())];
                for (int r = 0; r < rows.rows(); r++) System.arraycopy(rows.row(r), 0, all, r * rows.seqLen(), rows.seqLen());
                ids = HostTensor.of(Shape.of((int) rows.rows(), rows.seqLen()), all);
            }
        }
        ForwardProgram.checkIds(ids, c);
        List<RoutingCapture.GroupRouting> routing;
        try (Backend backend = backendOptions.create(); RoutingCapture capture = new RoutingCapture(c, m.f32Tensors(), backend)) {
            routing = capture.route(ids);
        }
        if (source.text != null) printTable(System.out, c, ids.ints(), routing, pieces);
        else writeFile(c, ids, routing);
        return 0;
    }

    private void printTable(PrintStream o, MonetConfig c, int[] ids, List<RoutingCapture.GroupRouting> routing, TokenPieces pieces) {
        ComposedScores scores = new ComposedScores(c.moeHeads(), c.moeExperts());
        int[] topIds = new int[top];
        float[] topScores = new float[top];
        int stride = c.moeHeads() * c.moeExperts(), e = c.moeExperts();
        for (int g = 0; g < routing.size(); g++) {
            o.printf(Locale.ROOT, "group %d (router on layer %d): top %d experts per token, id (i,j) score; active = experts scoring > %s%n", g,
                    routing.get(g).routerLayer(), top, threshold);
            o.printf(Locale.ROOT, "%5s  %-16s %7s  %s%n", "pos", "token", "active", "experts");
            for (int p = 0; p < ids.length; p++) {
                scores.compute(routing.get(g).g1(), p * stride, routing.get(g).g2(), p * stride);
                int n = scores.top(top, topIds, topScores);
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < n; k++) sb.append(String.format(Locale.ROOT, "%s%d (%d,%d) %.3f", k == 0 ? "" : "  ", topIds[k], topIds[k] / e, topIds[k] % e, topScores[k]));
                String piece = pieces.piece(ids[p]).replace("\n", "\\n");
                o.printf(Locale.ROOT, "%5d  %-16s %7d  %s%n", p, "'" + piece + "'", scores.countAbove(threshold), sb);
            }
            o.println();
        }
    }

    private void writeFile(MonetConfig c, HostTensor ids, List<RoutingCapture.GroupRouting> routing) throws Exception {
        int b = ids.shape().dim(0), t = ids.shape().dim(1), stride = c.moeHeads() * c.moeExperts();
        ComposedScores scores = new ComposedScores(c.moeHeads(), c.moeExperts());
        Map<String, HostTensor> outTensors = new LinkedHashMap<>();
        int[] topIds = new int[top];
        float[] topScores = new float[top];
        for (int g = 0; g < routing.size(); g++) {
            int[] experts = new int[b * t * top];
            float[] s = new float[b * t * top];
            int[] active = new int[b * t];
            java.util.Arrays.fill(experts, -1);
            for (int tok = 0; tok < b * t; tok++) {
                scores.compute(routing.get(g).g1(), tok * stride, routing.get(g).g2(), tok * stride);
                int n = scores.top(top, topIds, topScores);
                System.arraycopy(topIds, 0, experts, tok * top, n);
                System.arraycopy(topScores, 0, s, tok * top, n);
                active[tok] = scores.countAbove(threshold);
            }
            outTensors.put("group" + g + ".experts", HostTensor.of(Shape.of(b, t, top), experts));
            outTensors.put("group" + g + ".scores", HostTensor.of(Shape.of(b, t, top), s));
            outTensors.put("group" + g + ".active", HostTensor.of(Shape.of(b, t), active));
        }
        Safetensors.write(out, outTensors, Map.of("config_hash", ModelFingerprint.of(c), "threshold", Double.toString(threshold)));
        System.err.printf(Locale.ROOT, "monet routing: %d groups x %d tokens written to %s (expert -1 = fewer experts had a nonzero score)%n", routing.size(), b * t, out);
    }
}
