package monetj.train.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import monetj.data.chat.ChatMessage;
import monetj.data.chat.ChatTemplate;
import monetj.data.chat.ChatTokens;
import monetj.data.tokenizer.TextTokenizer;

/** The prompt of {@code monet generate --chat}: a user turn (after an optional system turn) and the opening of the reply. */
final class ChatPrompt {
    private ChatPrompt() {}

    static int[] ids(Path tokenizerJson, TextTokenizer tok, String system, String user) {
        ChatTemplate template = ChatTemplate.forTokenizer(tokenizerJson, tok.decodeToken(tok.info().bosId()), tok.decodeToken(tok.info().eosId()));
        List<ChatMessage> turns = new ArrayList<>();
        if (system != null) turns.add(new ChatMessage("system", system));
        turns.add(new ChatMessage("user", user));
        String text;
        try {
            text = template.render(turns, true);
        } catch (ChatTemplate.ChatTemplateException e) {
            throw new IllegalArgumentException("--chat: the chat template failed to render the prompt: " + e.getMessage(), e);
        }
        return ChatTokens.encode(text, template, tok);
    }
}
