package monetj.data.shard;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import monetj.data.chat.ChatMessage;
import monetj.data.chat.ChatTemplate;
import monetj.data.chat.ChatTokens;
import monetj.data.chat.Conversation;
import monetj.data.source.DataInputException;
import monetj.data.tokenizer.TestTokenizers;
import monetj.data.tokenizer.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chat conversations to token shards with a loss mask over the assistant's tokens. */
class ChatShardPreparerTest {
    @TempDir Path tmp;

    @Test
    void theMaskCoversExactlyTheAssistantsTokens() throws Exception {
        Path tj = TestTokenizers.write(tmp, 0);
        try (TextTokenizer tok = TextTokenizer.load(tj)) {
            ChatTemplate template = ChatTemplate.forTokenizer(tj, "<s>", "</s>");
            var c = new Conversation("test", List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "hi there"),
                    new ChatMessage("assistant", "h\u00e9llo w\u00f6rld"), new ChatMessage("user", "again"), new ChatMessage("assistant", "fine")));
            assertEquals("<s><|system|>\nBe brief.</s><|user|>\nhi there</s><|assistant|>\nh\u00e9llo w\u00f6rld</s><|user|>\nagain</s><|assistant|>\nfine</s>",
                    template.render(c.messages(), false));
            ChatTokens t = ChatTokens.of(c, template, tok);
            assertEquals(1, t.ids()[0], "the template's BOS is the BOS token");
            List<Integer> assistant = new ArrayList<>(), rest = new ArrayList<>();
            for (int i = 0; i < t.ids().length; i++) (t.lossMask()[i] == 1 ? assistant : rest).add(t.ids()[i]);
            String said = tok.decode(assistant.stream().mapToInt(Integer::intValue).toArray());
            assertEquals("h\u00e9llo w\u00f6rld</s>fine</s>", said.replace(" </s>", "</s>").strip());
            assertEquals(2, assistant.stream().filter(id -> id == 2).count(), "each reply's EOS is in the loss");
            assertFalse(tok.decode(rest.stream().mapToInt(Integer::intValue).toArray()).contains("fine"));
        }
    }

    @Test
    void conversationsWithoutAnAssistantTurnAreSkippedAndCounted() throws Exception {
        Path tj = TestTokenizers.write(tmp, 0);
        Path in = tmp.resolve("chat.jsonl");
        Files.write(in, List.of(
                "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \"b\"}]}",
                "{\"id\": \"q7\", \"messages\": [{\"role\": \"user\", \"content\": \"no reply\"}]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"c\"}, {\"role\": \"assistant\", \"content\": \"dd\"}]}"));
        try (TextTokenizer tok = TextTokenizer.load(tj)) {
            var r = ChatShardPreparer.prepare(new ChatShardPreparer.Options(List.of(in), tmp.resolve("out"), 1 << 20, false, 0, false), tok,
                    ChatTemplate.forTokenizer(tj, "<s>", "</s>"));
            assertEquals(2, r.index().documents());
            assertEquals(1, r.index().skippedDocuments());
            assertEquals(ChatShardPreparer.NO_ASSISTANT, r.index().skipped().getFirst().reason());
            assertTrue(LossMaskShards.present(tmp.resolve("out")));
            try (TokenShardSet set = TokenShardSet.open(tmp.resolve("out")); TokenShardSet mask = LossMaskShards.open(set)) {
                int[] m = mask.document(1), ids = set.document(1);
                assertEquals(ids.length, m.length);
                long ones = java.util.Arrays.stream(m).filter(v -> v == 1).count();
                assertEquals(r.assistantTokens() - java.util.Arrays.stream(mask.document(0)).filter(v -> v == 1).count(), ones);
                assertEquals(1, m[m.length - 1], "the reply's EOS closes the document and is in the loss");
                assertEquals(0, m[0]);
            }
        }
    }

    @Test
    void aTemplateThatFailsNamesTheConversation() throws Exception {
        Path tj = TestTokenizers.write(tmp, 0);
        Files.writeString(tmp.resolve("tokenizer_config.json"), """
                {"bos_token": "<s>", "eos_token": {"content": "</s>"},
                 "chat_template": "{% for m in messages %}{% if m['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{{ m['content'] }}{% endfor %}"}
                """);
        Path in = tmp.resolve("chat.jsonl");
        Files.write(in, List.of(
                "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \"b\"}]}",
                "{\"id\": \"conv-2\", \"messages\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"assistant\", \"content\": \"b\"}]}"));
        try (TextTokenizer tok = TextTokenizer.load(tj)) {
            ChatTemplate template = ChatTemplate.forTokenizer(tj, "?", "?");
            assertTrue(template.source().contains("tokenizer_config.json"));
            var e = assertThrows(DataInputException.class, () -> ChatShardPreparer.prepare(
                    new ChatShardPreparer.Options(List.of(in), tmp.resolve("out"), 1 << 20, false, 0, false), tok, template));
            assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("conv-2") && e.getMessage().contains("System role not supported"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("out")), "nothing is left behind");
        }
    }
}
