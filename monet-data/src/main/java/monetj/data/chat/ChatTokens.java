package monetj.data.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.data.tokenizer.TextTokenizer;

/** A conversation as training tokens: the rendered text's ids and, per token, 1 when the assistant wrote it. */
public record ChatTokens(int[] ids, int[] lossMask) {
    /**
     * Renders and tokenizes {@code c}; a token belongs to the assistant when it starts inside an assistant turn's
     * characters. The BOS and EOS text the template writes become the BOS and EOS ids (a tokenizer.json need not list
     * them as added tokens), and the text between them is tokenized piece by piece.
     */
    public static ChatTokens of(Conversation c, ChatTemplate template, TextTokenizer tokenizer) {
        ChatTemplate.Rendered r;
        try {
            r = template.renderWithSpans(c.messages());
        } catch (ChatTemplate.ChatTemplateException e) {
            throw new IllegalArgumentException(c.where() + ": the chat template failed to render: " + e.getMessage(), e);
        }
        List<Integer> ids = new ArrayList<>(), starts = new ArrayList<>();
        tokenize(r.text(), specials(template, tokenizer), tokenizer, ids, starts);
        int[] mask = new int[ids.size()];
        List<int[]> spans = r.assistantSpans();
        for (int i = 0, s = 0; i < mask.length; i++) {
            int at = starts.get(i);
            while (s < spans.size() && spans.get(s)[1] <= at) s++;
            mask[i] = s < spans.size() && at >= spans.get(s)[0] ? 1 : 0;
        }
        return new ChatTokens(ids.stream().mapToInt(Integer::intValue).toArray(), mask);
    }

    /** The token ids of {@code text} and where each starts, for a prompt as {@code monet generate --chat} feeds it. */
    public static int[] encode(String text, ChatTemplate template, TextTokenizer tokenizer) {
        List<Integer> ids = new ArrayList<>();
        tokenize(text, specials(template, tokenizer), tokenizer, ids, new ArrayList<>());
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Map<String, Integer> specials(ChatTemplate template, TextTokenizer tokenizer) {
        Map<String, Integer> out = new LinkedHashMap<>();
        if (!template.bosToken().isEmpty() && tokenizer.info().bosId() >= 0) out.put(template.bosToken(), tokenizer.info().bosId());
        if (!template.eosToken().isEmpty() && tokenizer.info().eosId() >= 0) out.put(template.eosToken(), tokenizer.info().eosId());
        return out;
    }

    private static void tokenize(String text, Map<String, Integer> specials, TextTokenizer tokenizer, List<Integer> ids, List<Integer> starts) {
        int pos = 0;
        while (pos < text.length()) {
            int next = text.length();
            String found = null;
            for (String s : specials.keySet()) {
                int at = text.indexOf(s, pos);
                if (at >= 0 && at < next) {
                    next = at;
                    found = s;
                }
            }
            if (next > pos) {
                TextTokenizer.Encoded enc = tokenizer.encodeWithOffsets(text.substring(pos, next));
                for (int i = 0; i < enc.ids().length; i++) {
                    ids.add(enc.ids()[i]);
                    starts.add(enc.charStarts()[i] + pos);
                }
            }
            if (found == null) break;
            ids.add(specials.get(found));
            starts.add(next);
            pos = next + found.length();
        }
    }
}
