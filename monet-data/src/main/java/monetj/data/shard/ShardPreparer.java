package monetj.data.shard;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import monetj.data.source.DataInputException;
import monetj.data.source.DocumentReader;
import monetj.data.source.SkipLog;
import monetj.data.source.TextDocument;
import monetj.data.tokenizer.TextTokenizer;

/**
 * {@code monet data prepare}: reads documents in input order, tokenizes chunks of them on a thread pool,
 * and writes the ids in the same order into shards (so the output does not depend on the thread count).
 * Everything is built in a hidden sibling directory that is renamed into place only once complete, so a
 * crash never leaves a half-written dataset that looks whole.
 */
public final class ShardPreparer {
    private static final int CHUNK_DOCUMENTS = 256;
    private static final int CHUNK_CHARS = 1 << 20;
    private static final String PARTIAL_PREFIX = ".%s.partial-";

    /**
     * What to prepare. {@code maxShardTokens} caps a shard (documents are never split across shards). With
     * {@code holdoutEvery} = N > 0, every N-th document of the input order (ordinals N-1, 2N-1, ...) is held out:
     * left out of the shards, or, with {@code holdoutOnly}, the only documents written, so two runs give disjoint
     * training and validation sets.
     */
    public record Options(List<Path> inputs, String textColumn, Path out, boolean eos, long maxShardTokens, int threads, boolean overwrite,
            int holdoutEvery, boolean holdoutOnly) {
        public Options(List<Path> inputs, String textColumn, Path out, boolean eos, long maxShardTokens, int threads, boolean overwrite) {
            this(inputs, textColumn, out, eos, maxShardTokens, threads, overwrite, 0, false);
        }

        public Options {
            if (holdoutEvery < 0) throw new IllegalArgumentException("--holdout-every must be >= 0, got " + holdoutEvery);
            if (holdoutOnly && holdoutEvery == 0) throw new IllegalArgumentException("--holdout needs --holdout-every N");
        }

        boolean keeps(long ordinal) {
            if (holdoutEvery == 0) return true;
            return (ordinal % holdoutEvery == holdoutEvery - 1) == holdoutOnly;
        }
    }

    /** Told about progress now and then: fraction of input bytes done, documents and tokens so far. */
    public interface Progress {
        void update(double fraction, long documents, long tokens);
    }

    /** Documents being tokenized, and how far through its file the reader was when they were read (0..1). */
    private record Chunk(List<TextDocument> docs, int source, Future<int[][]> ids, double fileFraction) {}

    private final Options options;
    private final TextTokenizer tokenizer;
    private final Progress progress;
    private final SkipLog skips = new SkipLog();
    private final List<TokenShardIndex.Shard> shards = new ArrayList<>();
    private final long[] sourceDocs;
    private final long[] sourceTokens;
    private final long[] fileRows;
    private long totalBytes;
    private TokenShardWriter shard;
    private long documents;
    private long tokens;
    private int maxTokenId;

    private ShardPreparer(Options options, TextTokenizer tokenizer, Progress progress) {
        this.options = options;
        this.tokenizer = tokenizer;
        this.progress = progress;
        this.sourceDocs = new long[options.inputs().size()];
        this.sourceTokens = new long[options.inputs().size()];
        this.fileRows = new long[options.inputs().size()];
    }

    public static TokenShardIndex prepare(Options options, TextTokenizer tokenizer, Progress progress) throws IOException {
        Path out = options.out().toAbsolutePath().normalize();
        if (Files.exists(out)) {
            if (!options.overwrite()) throw new IllegalArgumentException(out + ": already exists (pass --overwrite to replace it)");
            if (!isEmptyDirectory(out) && !Files.isRegularFile(out.resolve(TokenShardIndex.FILE_NAME))) {
                throw new IllegalArgumentException(out + ": not a token shard directory (no " + TokenShardIndex.FILE_NAME + "); refusing to replace it");
            }
        }
        return publish(out, partial -> new ShardPreparer(options, tokenizer, progress).run(partial));
    }

    /** Work that fills a directory which {@link #publish} then renames into place. */
    interface PartialWork<T> {
        T fill(Path partial) throws IOException;
    }

    /**
     * Fills {@code .NAME.partial-PID} beside {@code out} and renames it to {@code out} in one step, so a reader never
     * sees half a shard directory; the partial directory is removed on failure, on Ctrl-C or SIGTERM, and by the next
     * prepare when this process dies without cleaning up.
     */
    static <T> T publish(Path out, PartialWork<T> work) throws IOException {
        Files.createDirectories(out.getParent());
        deleteAbandonedPartials(out);
        Path partial = out.resolveSibling(PARTIAL_PREFIX.formatted(out.getFileName()) + ProcessHandle.current().pid());
        deleteTree(partial);
        // Ctrl-C or SIGTERM ends the JVM without running this method's finally: the hook removes the partial output then.
        // It is registered before the directory exists, so a signal can never fall between the two.
        Thread cleanup = new Thread(() -> {
            // The writer may still add a file while this walks the tree; once the directory is gone it cannot.
            for (int attempt = 0; ; attempt++) {
                try {
                    deleteTree(partial);
                    return;
                } catch (IOException | RuntimeException e) {
                    if (attempt == 20) {
                        System.err.println("monet: could not remove " + partial + ": " + e.getMessage());
                        return;
                    }
                }
                try {
                    Thread.sleep(25);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "monet-prepare-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            Files.createDirectories(partial);
            T result = work.fill(partial);
            if (Files.exists(out)) deleteTree(out);
            Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE);
            return result;
        } finally {
            deleteTree(partial);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to; it finds nothing left to delete
            }
        }
    }

    /** {@code .NAME.partial-PID} directories of preparers that died without cleaning up (killed with -9, power loss). */
    private static void deleteAbandonedPartials(Path out) throws IOException {
        String prefix = PARTIAL_PREFIX.formatted(out.getFileName());
        try (Stream<Path> siblings = Files.list(out.getParent())) {
            for (Path p : siblings.toList()) {
                String name = p.getFileName().toString();
                if (!name.startsWith(prefix) || !name.substring(prefix.length()).matches("\\d+")) continue;
                long pid = Long.parseLong(name.substring(prefix.length()));
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue; // another prepare, still running
                deleteTree(p);
            }
        }
    }

    private TokenShardIndex run(Path dir) throws IOException {
        tokenizer.frame(new int[0], options.eos()); // fails now, not after reading, when --eos has no EOS token
        TokenWidth width = TokenWidth.forVocab(tokenizer.vocabSize());
        for (Path p : options.inputs()) totalBytes += Files.size(p);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, options.threads()), r -> {
            Thread t = new Thread(r, "monet-tokenize");
            t.setDaemon(true);
            return t;
        });
        try {
            ArrayDeque<Chunk> inFlight = new ArrayDeque<>();
            long ordinal = 0;
            for (int s = 0; s < options.inputs().size(); s++) {
                Path file = options.inputs().get(s);
                try (DocumentReader reader = DocumentReader.open(file, options.textColumn(), 0, skips)) {
                    fileRows[s] = reader.rowCount();
                    List<TextDocument> docs = new ArrayList<>();
                    long chars = 0;
                    for (TextDocument d = reader.next(); d != null; d = reader.next()) {
                        if (!options.keeps(ordinal++)) continue;
                        docs.add(d);
                        chars += d.text().length();
                        if (docs.size() == CHUNK_DOCUMENTS || chars >= CHUNK_CHARS) {
                            submit(pool, inFlight, docs, s, reader);
                            docs = new ArrayList<>();
                            chars = 0;
                            drain(inFlight, 2 * options.threads(), dir, width);
                        }
                    }
                    if (!docs.isEmpty()) submit(pool, inFlight, docs, s, reader);
                }
            }
            drain(inFlight, 0, dir, width);
            progress.update(1.0, documents, tokens);
        } finally {
            // After a failure, wait for running encodes: the caller frees the tokenizer's native memory next.
            pool.shutdownNow();
            pool.close();
        }
        if (shard != null) shards.add(shard.finish());
        if (documents == 0) throw new DataInputException("no documents in " + options.inputs() + " (skipped " + skips.total() + "): nothing to write");
        List<TokenShardIndex.Source> sources = new ArrayList<>();
        for (int s = 0; s < options.inputs().size(); s++) {
            Path p = options.inputs().get(s);
            sources.add(new TokenShardIndex.Source(p.toAbsolutePath().toString(), Files.size(p), sourceDocs[s], sourceTokens[s]));
        }
        TokenShardIndex index = new TokenShardIndex(TokenShardIndex.FORMAT, width, tokenizer.info(), options.eos(), documents, tokens,
                List.copyOf(shards), sources, skips.entries(), maxTokenId);
        index.write(dir.resolve(TokenShardIndex.FILE_NAME));
        return index;
    }

    private void submit(ExecutorService pool, ArrayDeque<Chunk> inFlight, List<TextDocument> docs, int source, DocumentReader reader) throws IOException {
        long rows = fileRows[source], bytes = reader.bytesRead(), size = Files.size(options.inputs().get(source));
        double fraction = rows > 0 ? Math.min(1.0, (docs.getLast().row() + 1.0) / rows) : bytes >= 0 ? Math.min(1.0, (double) bytes / Math.max(1, size)) : 0;
        // One document at a time per worker: --threads is then exactly the number of cores tokenizing.
        inFlight.add(new Chunk(docs, source, pool.submit(() -> docs.stream().map(d -> tokenizer.encode(d.text())).toArray(int[][]::new)), fraction));
    }

    /** Writes finished chunks, in order, until at most {@code keep} remain in flight. */
    private void drain(ArrayDeque<Chunk> inFlight, int keep, Path dir, TokenWidth width) throws IOException {
        while (inFlight.size() > keep) {
            Chunk c = inFlight.poll();
            int[][] ids;
            try {
                ids = c.ids().get();
            } catch (ExecutionException e) {
                TextDocument first = c.docs().getFirst();
                throw new DataInputException(first.file() + " rows " + first.row() + "..: tokenizer failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while preparing shards", e);
            }
            for (int i = 0; i < ids.length; i++) write(c.docs().get(i), c.source(), ids[i], dir, width);
            reportProgress(c.source(), c.fileFraction());
        }
    }

    /** Progress by input bytes written out: whole files before this one, and the written part of this one. */
    private void reportProgress(int source, double fileFraction) throws IOException {
        double done = Files.size(options.inputs().get(source)) * fileFraction;
        for (int s = 0; s < source; s++) done += Files.size(options.inputs().get(s));
        progress.update(done / Math.max(1, totalBytes), documents, tokens);
    }

    private void write(TextDocument doc, int source, int[] ids, Path dir, TokenWidth width) throws IOException {
        int[] seq = tokenizer.frame(ids, options.eos());
        if (shard != null && shard.tokenCount() > 0 && shard.tokenCount() + seq.length > options.maxShardTokens()) {
            shards.add(shard.finish());
            shard = null;
        }
        if (shard == null) shard = new TokenShardWriter(dir, shards.size(), width);
        try {
            shard.append(seq, tokenizer.vocabSize());
        } catch (IllegalStateException e) {
            throw new DataInputException(doc.file() + " row " + doc.row() + ": " + e.getMessage());
        }
        for (int id : seq) maxTokenId = Math.max(maxTokenId, id);
        documents++;
        tokens += seq.length;
        sourceDocs[source]++;
        sourceTokens[source] += seq.length;
    }

    private static boolean isEmptyDirectory(Path p) throws IOException {
        if (!Files.isDirectory(p)) return false;
        try (Stream<Path> entries = Files.list(p)) {
            return entries.findAny().isEmpty();
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
