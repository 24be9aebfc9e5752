package monetj.data.chat;

import java.util.List;
import monetj.data.tokenizer.TextTokenizer;

/** A conversation as training tokens: the rendered text's ids and, per token, 1 when the assistant wrote it. */
public record ChatTokens(int[] ids, int[] lossMask) {
    /**
     * Renders and tokenizes {@code c} as one text (so tokens are those of the whole conversation, as generation
     * sees them); a token belongs to the assistant when it starts inside an assistant turn's characters.
     */
    public static ChatTokens of(Conversation c, ChatTemplate template, TextTokenizer tokenizer) {
        ChatTemplate.Rendered r;
        try {
            r = template.renderWithSpans(c.messages());
        } catch (ChatTemplate.ChatTemplateException e) {
            throw new IllegalArgumentException(c.where() + ": the chat template failed to render: " + e.getMessage(), e);
        }
        TextTokenizer.Encoded enc = tokenizer.encodeWithOffsets(r.text());
        int[] mask = new int[enc.ids().length];
        List<int[]> spans = r.assistantSpans();
        for (int i = 0, s = 0; i < mask.length; i++) {
            int at = enc.charStarts()[i];
            while (s < spans.size() && spans.get(s)[1] <= at) s++;
            mask[i] = s < spans.size() && at >= spans.get(s)[0] ? 1 : 0;
        }
        return new ChatTokens(enc.ids(), mask);
    }
}
