package monetj.data.iter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.data.source.DataInputException;
import monetj.data.source.DocumentReader;
import monetj.data.source.SkipLog;
import monetj.data.source.TextDocument;
import monetj.data.tokenizer.TextTokenizer;

/**
 * Batches straight from Parquet or JSON-lines files, tokenized on the fly: no prepare step. Packing is the
 * same as for prepared shards (BOS before each document, windows of seqLen + 1 every seqLen tokens). Each
 * epoch reads the files in an order shuffled from (seed, epoch); row r of every file belongs to process
 * {@code r mod processCount}, so processes never share a document and together read them all. The state is
 * the position of the next token: epoch, file, row and offset into that document's tokens. Documents are
 * tokenized a little ahead on all cores, in order.
 */
public final class StreamingBatchSource implements BatchSource {
    private static final int LOOKAHEAD_PER_THREAD = 4;

    /** A document read ahead of the current one, being tokenized. */
    private record Pending(TextDocument doc, Future<int[]> ids) {}

    private final List<Path> files;
    private final String textColumn;
    private final TextTokenizer tokenizer;
    private final BatchLayout layout;
    private final boolean eos;
    private final SkipLog skips;
    private final String dataset;
    private final int threads = Runtime.getRuntime().availableProcessors();
    private final ExecutorService pool = Executors.newFixedThreadPool(threads, r -> Thread.ofPlatform().daemon().name("monet-stream-tokenize").unstarted(r));
    private final ArrayDeque<Pending> ahead = new ArrayDeque<>();

    private long epoch;
    private int fileCursor;
    private WindowPermutation fileOrder;
    private DocumentReader reader;
    private long docRow;
    private int[] doc;
    private int offset;
    private boolean documentThisEpoch;

    public StreamingBatchSource(List<Path> files, String textColumn, TextTokenizer tokenizer, BatchLayout layout, boolean eos, SkipLog skips) {
        if (files.isEmpty()) throw new IllegalArgumentException("streaming needs at least one input file");
        this.files = List.copyOf(files);
        this.textColumn = textColumn;
        this.tokenizer = tokenizer;
        this.layout = layout;
        this.eos = eos;
        this.skips = skips;
        this.dataset = datasetId(files, tokenizer);
        startFile(0);
    }

    /** Continues from a saved state. */
    public StreamingBatchSource(List<Path> files, String textColumn, TextTokenizer tokenizer, BatchLayout layout, boolean eos, SkipLog skips,
            IteratorState state) {
        this(files, textColumn, tokenizer, layout, eos, skips);
        if (!(state instanceof IteratorState.Streaming s)) throw new IllegalArgumentException("a " + state.getClass().getSimpleName() + " state cannot resume streaming");
        if (s.layout().processCount() != layout.processCount() || s.layout().processIndex() != layout.processIndex()) {
            throw new IllegalArgumentException("this streaming position was saved by process " + s.layout().processIndex() + " of " + s.layout().processCount()
                    + " and cannot be continued by process " + layout.processIndex() + " of " + layout.processCount()
                    + ": a streaming position is per process (rows are dealt out by row number); prepare token shards with `monet data prepare` to change the process count");
        }
        layout.requireSame(s.layout());
        if (!s.dataset().equals(dataset)) throw new IllegalArgumentException("iterator state belongs to input set " + s.dataset() + ", these files are " + dataset);
        if (s.fileCursor() < 0 || s.fileCursor() >= files.size()) throw new IllegalArgumentException("iterator state names file " + s.fileCursor() + " of " + files.size());
        reader.close();
        epoch = s.epoch();
        fileOrder = null;
        documentThisEpoch = true;
        fileCursor = s.fileCursor();
        Path file = currentFile();
        reader = DocumentReader.open(file, textColumn, s.row(), skips);
        loadDocument();
        // Offset 0 means "the next document of this process at or after the row"; otherwise the row is that document.
        boolean matches = s.offset() == 0 || doc != null && docRow == s.row() && s.offset() <= doc.length;
        if (!matches) throw new IllegalArgumentException(file + ": no document with " + s.offset() + "+ tokens at row " + s.row() + "; the file changed since the state was saved");
        if (doc != null) offset = (int) s.offset();
    }

    @Override
    public TokenBatch next() {
        int b = layout.batchSize();
        int width = layout.seqLen() + 1;
        int[] out = new int[b * width];
        for (int i = 0; i < b; i++) fillWindow(out, i * width);
        return new TokenBatch(HostTensor.of(Shape.of(b, width), out), state());
    }

    @Override
    public IteratorState state() {
        // Before the first document is read the position is the start of the current file.
        return new IteratorState.Streaming(layout, dataset, epoch, fileCursor, doc == null ? 0 : docRow, doc == null ? 0 : offset);
    }

    /** Takes seqLen tokens and peeks at one more: consecutive windows share their boundary token. */
    private void fillWindow(int[] out, int at) {
        int filled = 0;
        while (filled < layout.seqLen()) {
            ensureDocument();
            int n = Math.min(layout.seqLen() - filled, doc.length - offset);
            System.arraycopy(doc, offset, out, at + filled, n);
            offset += n;
            filled += n;
        }
        ensureDocument();
        out[at + filled] = doc[offset];
    }

    private void ensureDocument() {
        while (doc == null || offset == doc.length) {
            loadDocument();
            while (doc == null) {
                nextFile();
                loadDocument();
            }
        }
    }

    /**
     * Takes this process's next document of the current file into {@link #doc} (null at the file's end). The
     * documents after it are already being tokenized on the pool; the state still names this one.
     */
    private void loadDocument() {
        doc = null;
        offset = 0;
        while (ahead.size() < LOOKAHEAD_PER_THREAD * threads) {
            TextDocument d = reader.next();
            if (d == null) break;
            if (d.row() % layout.processCount() != layout.processIndex()) continue;
            ahead.add(new Pending(d, pool.submit(() -> tokenizer.frame(tokenizer.encode(d.text()), eos))));
        }
        Pending next = ahead.poll();
        if (next == null) return;
        try {
            doc = next.ids().get();
        } catch (ExecutionException e) {
            throw new DataInputException(next.doc().file() + " row " + next.doc().row() + ": tokenizer failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while tokenizing", e);
        }
        docRow = next.doc().row();
        documentThisEpoch = true;
    }

    private void nextFile() {
        reader.close();
        int next = fileCursor + 1;
        if (next == files.size()) {
            if (!documentThisEpoch) throw new IllegalArgumentException("no documents for process " + layout.processIndex() + " in " + files + " (skipped: " + skips.entries() + ")");
            epoch++;
            fileOrder = null;
            documentThisEpoch = false;
            next = 0;
        }
        startFile(next);
    }

    private void startFile(int cursor) {
        fileCursor = cursor;
        reader = DocumentReader.open(currentFile(), textColumn, 0, skips);
    }

    private Path currentFile() {
        if (!layout.shuffle()) return files.get(fileCursor);
        if (fileOrder == null) fileOrder = new WindowPermutation(files.size(), layout.seed(), epoch);
        return files.get((int) fileOrder.apply(fileCursor));
    }

    /** Identifies the input set: file names and sizes, and the tokenizer. */
    private static String datasetId(List<Path> files, TextTokenizer tokenizer) {
        StringBuilder sb = new StringBuilder(tokenizer.info().sha256());
        try {
            for (Path f : files) sb.append('\n').append(f.getFileName()).append(' ').append(Files.size(f));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }

    @Override
    public void close() {
        // Wait for running encodes: the tokenizer's native memory is freed when its owner closes it next.
        pool.shutdownNow();
        pool.close();
        reader.close();
    }
}
