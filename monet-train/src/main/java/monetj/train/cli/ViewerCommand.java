package monetj.train.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import monetj.core.interp.DirectEffect;
import monetj.core.interp.ExpertAtlas;
import monetj.core.interp.ModelFingerprint;
import monetj.core.interp.TokenPieces;
import monetj.core.model.HfModelDirectory;
import monetj.core.tensor.HostTensor;
import monetj.train.interp.ModelTokenizer;
import monetj.train.interp.ViewerSite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code monet viewer}: a static HTML site over an expert atlas, opened from the file system. */
@Command(name = "viewer", mixinStandardHelpOptions = true,
        description = {"Write a static HTML site (no server) to browse an expert atlas.",
                "Open SITE/index.html; search by expert id, (i,j) or token; per expert its top",
                "contexts (token highlighted), density, and the output tokens it promotes:",
                "W_U diag(g_norm) sum over the group's layers of E_ij with every activation 1."})
public final class ViewerCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "atlas directory (monet experts)")
    Path atlasDir;

    @Option(names = "--out", required = true, description = "site directory to write")
    Path out;

    @Option(names = "--model", description = "model directory for the promoted tokens (default: the atlas's model, when it is still there)")
    Path model;

    @Option(names = "--tokenizer", description = "tokenizer.json for token text (default: the atlas's)")
    String tokenizer;

    @Override
    public Integer call() throws Exception {
        ExpertAtlas atlas = ExpertAtlas.open(atlasDir);
        Path modelDir = model;
        if (modelDir == null && !atlas.summary().path("model").asText().isEmpty()) {
            Path recorded = Path.of(atlas.summary().path("model").asText());
            if (Files.isRegularFile(recorded.resolve("config.json"))) modelDir = recorded;
        }
        List<DirectEffect> effects = null;
        if (modelDir != null) {
            HfModelDirectory.Model m = HfModelDirectory.read(modelDir);
            ModelFingerprint.require(m.config(), atlas.configHash(), "atlas " + atlasDir + " (for model " + modelDir + ")");
            Map<String, HostTensor> w = m.f32Tensors();
            effects = new ArrayList<>();
            for (int g = 0; g < atlas.groups(); g++) effects.add(DirectEffect.of(m.config(), w, g));
        }
        String tok = tokenizer != null ? tokenizer : atlas.summary().path("tokenizer").asText(null);
        TokenPieces pieces = tok == null ? null : ModelTokenizer.pieces(monetj.data.tokenizer.TokenizerLocator.resolve(tok));
        ViewerSite.write(atlas, out, effects, pieces);
        System.err.println("monet viewer: open " + out.toAbsolutePath().resolve("index.html") + (effects == null ? " (no model found: promoted tokens left out)" : ""));
        return 0;
    }
}
