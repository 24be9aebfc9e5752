package monetj.train.e2e;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import monetj.data.tokenizer.TestTokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prepared token shards that do not belong to the run are refused before training, naming both sides. */
class ShardInputCliTest {
    @TempDir Path tmp;

    /** The tiny run's corpus prepared into shards with the tiny run's tokenizer; the run config trains on them. */
    private Path prepared(TinyRun t) throws Exception {
        Path shards = tmp.resolve("shards");
        var r = TinyRun.cli("data", "prepare", "--input", t.corpus.toString(), "--out", shards.toString(), "--tokenizer", t.tokenizer.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        return shards;
    }

    private TinyRun.Result train(TinyRun t, String run, String... sets) {
        List<String> args = new ArrayList<>(List.of("train", "--config", t.config.toString(), "--run-dir", tmp.resolve(run).toString(),
                "--set", "data.train=" + tmp.resolve("shards"), "--set", "data.validation=null", "--set", "train.steps=1"));
        for (String s : sets) args.addAll(List.of("--set", s));
        return TinyRun.cli(args.toArray(String[]::new));
    }

    private static void editIndex(Path shards, java.util.function.Consumer<ObjectNode> edit) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode index = (ObjectNode) json.readTree(shards.resolve("index.json").toFile());
        edit.accept(index);
        json.writeValue(shards.resolve("index.json").toFile(), index);
    }

    @Test
    void shardsOfAnotherTokenizerOrWithAnEditedVocabularyAreRefusedUnlessAllowed() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path shards = prepared(t);
        assertEquals(0, train(t, "same").exitCode());

        Path other = TestTokenizers.write(Files.createDirectories(tmp.resolve("other")), 7);
        var r = train(t, "other", "data.tokenizer=" + other);
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("was prepared with tokenizer " + t.tokenizer) && r.stderr().contains("but data.tokenizer is " + other)
                && r.stderr().contains("data.allow_tokenizer_mismatch"), r.stderr());
        var allowed = train(t, "allowed", "data.tokenizer=" + other, "data.allow_tokenizer_mismatch=true");
        assertEquals(0, allowed.exitCode(), allowed.stderr());

        editIndex(shards, i -> ((ObjectNode) i.get("tokenizer")).put("vocabSize", 300));
        var edited = train(t, "edited");
        assertEquals(1, edited.exitCode());
        assertTrue(edited.stderr().contains("vocabulary 300") && edited.stderr().contains("was prepared with tokenizer"), edited.stderr());
    }

    @Test
    void idsBeyondTheModelsVocabularyAreRefusedFromTheIndexAndFromTheTokensThemselves() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path shards = prepared(t);
        editIndex(shards, i -> i.put("maxTokenId", 65535));
        var r = train(t, "index");
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("holds token ids up to 65535") && r.stderr().contains("vocab_size of 512"), r.stderr());

        // The index restored but the token file overwritten with 600s (its checksum no longer matches; training reads ids as they are).
        editIndex(shards, i -> i.put("maxTokenId", 300));
        Path tokens = shards.resolve("shard-00000.tokens");
        ByteBuffer b = ByteBuffer.allocate((int) Files.size(tokens)).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) b.putShort((short) 600);
        Files.write(tokens, b.array());
        var bytes = train(t, "bytes");
        assertEquals(1, bytes.exitCode());
        assertTrue(bytes.stderr().contains("token id 600") && bytes.stderr().contains("outside the model's vocab_size of 512"), bytes.stderr());
    }

    @Test
    void anInterruptedPrepareLeavesNoPartialDirectory() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path big = tmp.resolve("big.jsonl");
        String line = Files.readAllLines(t.corpus).getFirst();
        Files.write(big, java.util.Collections.nCopies(200_000, line));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "monetj.train.cli.MonetCli",
                "data", "prepare", "--input", big.toString(), "--out", tmp.resolve("out").toString(), "--tokenizer", t.tokenizer.toString(), "--threads", "1")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("prepare.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partials().isEmpty()) {
                assertTrue(p.isAlive(), "prepare ended before it was interrupted: " + Files.readString(tmp.resolve("prepare.log")));
                assertTrue(System.nanoTime() < deadline, "no partial directory seen");
                Thread.sleep(20);
            }
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly().waitFor();
        }
        assertEquals(List.of(), partials(), Files.readString(tmp.resolve("prepare.log")));
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    private List<Path> partials() throws Exception {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(x -> x.getFileName().toString().startsWith(".out.partial-")).toList();
        }
    }
}
