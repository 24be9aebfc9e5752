package monetj.data.shard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import monetj.data.chat.ChatTemplate;
import monetj.data.chat.ChatTokens;
import monetj.data.chat.Conversation;
import monetj.data.source.DataInputException;
import monetj.data.source.SkipLog;
import monetj.data.tokenizer.TextTokenizer;
import monetj.data.tokenizer.TokenizerInfo;

/**
 * {@code monet data prepare --format chat}: JSON-lines conversations rendered with a chat template, tokenized,
 * and written as a token shard directory (one document per conversation, the template supplying BOS) with its
 * {@link LossMaskShards loss mask}: 1 on the assistant's tokens. A conversation without an assistant turn is
 * skipped and counted; a malformed one, or one the template cannot render, stops the run naming it. Built in a
 * hidden sibling directory renamed into place once complete.
 */
public final class ChatShardPreparer {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String NO_ASSISTANT = "conversation without an assistant turn";

    /** What to prepare; holdout as {@link ShardPreparer.Options}. */
    public record Options(List<Path> inputs, Path out, long maxShardTokens, boolean overwrite, int holdoutEvery, boolean holdoutOnly) {
        boolean keeps(long ordinal) {
            if (holdoutEvery == 0) return true;
            return (ordinal % holdoutEvery == holdoutEvery - 1) == holdoutOnly;
        }
    }

    /** The index written, and how many tokens of it the loss counts. */
    public record Result(TokenShardIndex index, long assistantTokens) {}

    private final Options options;
    private final TextTokenizer tokenizer;
    private final ChatTemplate template;
    private final SkipLog skips = new SkipLog();
    private final List<TokenShardIndex.Shard> shards = new ArrayList<>(), maskShards = new ArrayList<>();
    private TokenShardWriter shard, maskShard;
    private long documents, tokens, assistantTokens;
    private int maxTokenId = -1;

    private ChatShardPreparer(Options options, TextTokenizer tokenizer, ChatTemplate template) {
        this.options = options;
        this.tokenizer = tokenizer;
        this.template = template;
    }

    public static Result prepare(Options options, TextTokenizer tokenizer, ChatTemplate template) throws IOException {
        Path out = options.out().toAbsolutePath().normalize();
        if (Files.exists(out)) {
            if (!options.overwrite()) throw new IllegalArgumentException(out + ": already exists (pass --overwrite to replace it)");
            if (!Files.isRegularFile(out.resolve(TokenShardIndex.FILE_NAME))) {
                throw new IllegalArgumentException(out + ": not a token shard directory (no " + TokenShardIndex.FILE_NAME + "); refusing to replace it");
            }
        }
        return ShardPreparer.publish(out, partial -> {
            Files.createDirectories(partial.resolve(LossMaskShards.DIR_NAME));
            return new ChatShardPreparer(options, tokenizer, template).run(partial);
        });
    }

    private Result run(Path dir) throws IOException {
        TokenWidth width = TokenWidth.forVocab(tokenizer.vocabSize());
        List<TokenShardIndex.Source> sources = new ArrayList<>();
        long ordinal = 0;
        for (Path file : options.inputs()) {
            long docs0 = documents, tokens0 = tokens, line = 0;
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                for (String text = in.readLine(); text != null; text = in.readLine()) {
                    line++;
                    if (text.isBlank()) continue;
                    String where = file + " line " + line;
                    JsonNode json;
                    try {
                        json = JSON.readTree(text);
                    } catch (IOException e) {
                        throw new DataInputException(where + ": not valid JSON: " + e.getMessage());
                    }
                    Conversation c;
                    try {
                        c = Conversation.parse(json, where);
                    } catch (IllegalArgumentException e) {
                        throw new DataInputException(e.getMessage());
                    }
                    if (!c.hasAssistantTurn()) {
                        skips.skip(NO_ASSISTANT, file.toString(), line);
                        continue;
                    }
                    if (!options.keeps(ordinal++)) continue;
                    ChatTokens t;
                    try {
                        t = ChatTokens.of(c, template, tokenizer);
                    } catch (IllegalArgumentException e) {
                        throw new DataInputException(e.getMessage(), e);
                    }
                    write(c, t, dir, width);
                }
            }
            sources.add(new TokenShardIndex.Source(file.toAbsolutePath().toString(), Files.size(file), documents - docs0, tokens - tokens0));
        }
        if (shard != null) {
            shards.add(shard.finish());
            maskShards.add(maskShard.finish());
        }
        if (documents == 0) throw new DataInputException("no conversations with an assistant turn in " + options.inputs() + " (skipped " + skips.total() + "): nothing to write");
        TokenShardIndex index = new TokenShardIndex(TokenShardIndex.FORMAT, width, tokenizer.info(), false, documents, tokens, List.copyOf(shards), sources, skips.entries(),
                maxTokenId);
        index.write(dir.resolve(TokenShardIndex.FILE_NAME));
        TokenizerInfo maskInfo = new TokenizerInfo("loss mask of ../" + TokenShardIndex.FILE_NAME + " (1: assistant token)", "", 2, -1, -1);
        new TokenShardIndex(TokenShardIndex.FORMAT, TokenWidth.UINT16, maskInfo, false, documents, tokens, List.copyOf(maskShards), List.of(), List.of(), 1)
                .write(dir.resolve(LossMaskShards.DIR_NAME).resolve(TokenShardIndex.FILE_NAME));
        return new Result(index, assistantTokens);
    }

    private void write(Conversation c, ChatTokens t, Path dir, TokenWidth width) throws IOException {
        if (shard != null && shard.tokenCount() > 0 && shard.tokenCount() + t.ids().length > options.maxShardTokens()) {
            shards.add(shard.finish());
            maskShards.add(maskShard.finish());
            shard = null;
        }
        if (shard == null) {
            shard = new TokenShardWriter(dir, shards.size(), width);
            maskShard = new TokenShardWriter(dir.resolve(LossMaskShards.DIR_NAME), maskShards.size(), TokenWidth.UINT16);
        }
        try {
            shard.append(t.ids(), tokenizer.vocabSize());
        } catch (IllegalStateException e) {
            throw new DataInputException(c.where() + ": " + e.getMessage());
        }
        maskShard.append(t.lossMask(), 2);
        documents++;
        tokens += t.ids().length;
        for (int m : t.lossMask()) assistantTokens += m;
        for (int id : t.ids()) maxTokenId = Math.max(maxTokenId, id);
    }
}
