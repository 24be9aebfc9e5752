package monetj.data.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;

/**
 * Turns the LLaMA-1/2 vocabulary and merge ranks shipped in the npm package {@code llama-tokenizer-js}
 * into a Hugging Face {@code tokenizer.json}: BPE with byte fallback, the SentencePiece-style normalizer
 * (prepend "▁", spaces to "▁") and the matching decoder, with {@code <unk>}, {@code <s>}, {@code </s>} as
 * ids 0, 1, 2 (ids only: text that spells "<s>" is tokenized as text, as SentencePiece does). The package stores the vocabulary as base64 of newline-separated tokens (line number = id)
 * and the merges as base64 of little-endian uint16 id pairs in rank order.
 */
public final class LlamaTokenizerJsConverter {
    public static final int VOCAB_SIZE = 32000;
    public static final int MERGE_COUNT = 61249;
    private static final String SPACE = "\u2581";

    private LlamaTokenizerJsConverter() {}

    /** Vocabulary (index = id) and merges ("left right", in rank order) read from the package. */
    public record LlamaVocabulary(List<String> tokens, List<String> merges) {}

    /** Reads {@code llama-tokenizer.js} from an unpacked package directory (or the .js file itself). */
    public static LlamaVocabulary read(Path packageDirOrScript) throws IOException {
        Path script = Files.isDirectory(packageDirOrScript) ? packageDirOrScript.resolve("llama-tokenizer.js") : packageDirOrScript;
        if (!Files.isRegularFile(script)) throw new IOException(script + ": not found (expected llama-tokenizer.js from llama-tokenizer-js 1.2.2)");
        String js = Files.readString(script, StandardCharsets.UTF_8);
        byte[] vocabBytes = Base64.getDecoder().decode(stringConstant(js, "llama_vocab_base64", script));
        List<String> tokens = List.of(new String(vocabBytes, StandardCharsets.UTF_8).split("\n", -1));
        if (tokens.size() != VOCAB_SIZE) throw new IOException(script + ": vocabulary has " + tokens.size() + " tokens, LLaMA-2 has " + VOCAB_SIZE);
        if (!tokens.get(0).equals("<unk>") || !tokens.get(1).equals("<s>") || !tokens.get(2).equals("</s>")) {
            throw new IOException(script + ": ids 0..2 are " + tokens.subList(0, 3) + ", expected [<unk>, <s>, </s>]");
        }
        if (new HashSet<>(tokens).size() != tokens.size()) throw new IOException(script + ": vocabulary has duplicate tokens");
        ByteBuffer pairs = ByteBuffer.wrap(Base64.getDecoder().decode(stringConstant(js, "llama_merges_binary", script))).order(ByteOrder.LITTLE_ENDIAN);
        List<String> merges = new ArrayList<>(MERGE_COUNT);
        while (pairs.remaining() >= 4) {
            int left = Short.toUnsignedInt(pairs.getShort());
            int right = Short.toUnsignedInt(pairs.getShort());
            if (left >= tokens.size() || right >= tokens.size()) throw new IOException(script + ": merge " + merges.size() + " names id " + Math.max(left, right) + " outside the vocabulary");
            merges.add(tokens.get(left) + " " + tokens.get(right));
        }
        if (pairs.hasRemaining() || merges.size() != MERGE_COUNT) {
            throw new IOException(script + ": found " + merges.size() + " merges (+" + pairs.remaining() + " stray bytes), LLaMA-2 has " + MERGE_COUNT);
        }
        return new LlamaVocabulary(tokens, merges);
    }

    /** The Hugging Face tokenizer.json document for this vocabulary. */
    public static ObjectNode toTokenizerJson(LlamaVocabulary v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        // <unk>, <s>, </s> stay plain vocabulary entries, not "added tokens": the library would otherwise match
        // them inside raw text (a literal "<s>" in a web page would become BOS), which SentencePiece never does.
        root.putArray("added_tokens");
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode norms = normalizer.putArray("normalizers");
        norms.addObject().put("type", "Prepend").put("prepend", SPACE);
        norms.addObject().put("type", "Replace").<ObjectNode>set("pattern", f.objectNode().put("String", " ")).put("content", SPACE);
        root.putNull("pre_tokenizer");
        root.set("post_processor", bosTemplate(f));
        ObjectNode decoder = root.putObject("decoder").put("type", "Sequence");
        ArrayNode decoders = decoder.putArray("decoders");
        decoders.addObject().put("type", "Replace").<ObjectNode>set("pattern", f.objectNode().put("String", SPACE)).put("content", " ");
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout");
        model.put("unk_token", "<unk>").putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true).put("byte_fallback", true).put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < v.tokens().size(); id++) vocab.put(v.tokens().get(id), id);
        ArrayNode merges = model.putArray("merges");
        v.merges().forEach(merges::add);
        return root;
    }

    /** "Add special tokens" means a BOS before each sequence, as LLaMA does. */
    private static ObjectNode bosTemplate(JsonNodeFactory f) {
        ObjectNode p = f.objectNode().put("type", "TemplateProcessing");
        ArrayNode single = p.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = p.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = p.putObject("special_tokens").putObject("<s>");
        bos.put("id", "<s>");
        bos.putArray("ids").add(1);
        bos.putArray("tokens").add("<s>");
        return p;
    }

    /** Converts and writes {@code out} atomically (a temp file renamed into place). */
    public static void convert(Path packageDirOrScript, Path out) throws IOException {
        ObjectNode json = toTokenizerJson(read(packageDirOrScript));
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".tokenizer", ".json.tmp");
        try {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), json);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String stringConstant(String js, String name, Path script) throws IOException {
        String marker = "const " + name + " = \"";
        int start = js.indexOf(marker);
        if (start < 0) throw new IOException(script + ": no '" + name + "' constant; is this llama-tokenizer-js 1.2.2?");
        start += marker.length();
        int end = js.indexOf('"', start);
        if (end < 0) throw new IOException(script + ": unterminated '" + name + "' constant");
        return js.substring(start, end);
    }
}
