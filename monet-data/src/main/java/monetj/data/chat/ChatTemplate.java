package monetj.data.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A chat template: the Jinja template of a tokenizer directory's {@code tokenizer_config.json}
 * ({@code chat_template}, rendered as Hugging Face does: {@code messages}, {@code add_generation_prompt},
 * {@code bos_token}, {@code eos_token}, {@code raise_exception}, trim_blocks and lstrip_blocks) or, when it has
 * none, {@link #DEFAULT}, rendered with Jinjava.
 */
public final class ChatTemplate {
    /** Zephyr's layout: each turn is {@code <|role|>}, a newline, the content and EOS, so a reply ends where generation stops. */
    public static final String DEFAULT = "{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}{{ eos_token }}"
            + "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String template, source, bosToken, eosToken;
    private final Jinjava jinja;

    public ChatTemplate(String template, String source, String bosToken, String eosToken) {
        this.template = template;
        this.source = source;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.jinja = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
        jinja.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    }

    /**
     * The template next to a tokenizer.json: {@code tokenizer_config.json}'s {@code chat_template} (a string, or the
     * entry named {@code default} of a list), else {@link #DEFAULT}; BOS and EOS text from the same file, else the
     * given ones.
     */
    public static ChatTemplate forTokenizer(Path tokenizerJson, String bosToken, String eosToken) {
        Path config = tokenizerJson.toAbsolutePath().resolveSibling("tokenizer_config.json");
        if (!Files.isRegularFile(config)) return new ChatTemplate(DEFAULT, "the built-in default template", bosToken, eosToken);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(config));
        } catch (IOException e) {
            throw new IllegalArgumentException(config + ": not readable JSON: " + e.getMessage(), e);
        }
        String bos = tokenText(root.get("bos_token"), bosToken), eos = tokenText(root.get("eos_token"), eosToken);
        JsonNode t = root.get("chat_template");
        if (t == null || t.isNull()) return new ChatTemplate(DEFAULT, "the built-in default template", bos, eos);
        if (t.isTextual()) return new ChatTemplate(t.asText(), config + " chat_template", bos, eos);
        if (t.isArray()) {
            for (JsonNode named : t) {
                if ("default".equals(named.path("name").asText())) return new ChatTemplate(named.path("template").asText(), config + " chat_template 'default'", bos, eos);
            }
        }
        throw new IllegalArgumentException(config + ": chat_template must be a string or a list of {name, template} with one named 'default'");
    }

    private static String tokenText(JsonNode n, String fallback) {
        if (n == null || n.isNull()) return fallback;
        return n.isTextual() ? n.asText() : n.path("content").asText(fallback);
    }

    /** Where the template came from, for reports. */
    public String source() { return source; }

    /** The text of {@code messages}; with {@code addGenerationPrompt}, followed by what opens the assistant's reply. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> msgs = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("role", m.role());
            o.put("content", m.content());
            msgs.add(o);
        }
        Map<String, Object> bindings = new LinkedHashMap<>();
        bindings.put("messages", msgs);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        bindings.put("bos_token", bosToken);
        bindings.put("eos_token", eosToken);
        RenderResult r = jinja.renderForResult(template, bindings);
        List<String> fatal = r.getErrors().stream().filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).map(ChatTemplate::describe).toList();
        if (!fatal.isEmpty()) throw new ChatTemplateException(source + ": " + String.join("; ", fatal));
        return r.getOutput();
    }

    /** A rendered conversation and the character ranges [start, end) written by the assistant's turns. */
    public record Rendered(String text, List<int[]> assistantSpans) {}

    /**
     * The conversation and where each assistant turn lies in it, found by rendering the turns before it with the
     * generation prompt and the turns up to it: the reply is what the second adds to the first. A template for which
     * the earlier turns are not a prefix of the later ones cannot be masked this way and is refused.
     */
    public Rendered renderWithSpans(List<ChatMessage> messages) {
        String full = render(messages, false);
        List<int[]> spans = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).fromAssistant()) continue;
            String before = render(messages.subList(0, i), true), through = render(messages.subList(0, i + 1), false);
            if (!through.startsWith(before) || !full.startsWith(through)) {
                throw new ChatTemplateException(source + ": rendering is not incremental at message " + i
                        + " (the text up to a turn must begin the text with later turns) so the assistant's tokens cannot be found");
            }
            spans.add(new int[] {before.length(), through.length()});
        }
        return new Rendered(full, spans);
    }

    private static String describe(TemplateError e) {
        Throwable cause = e.getException();
        while (cause != null && !(cause instanceof ChatTemplateException) && cause.getCause() != null) cause = cause.getCause();
        String why = cause instanceof ChatTemplateException ? cause.getMessage() : e.getMessage();
        return why + (e.getLineno() > 0 ? " (template line " + e.getLineno() + ")" : "");
    }

    /** The text of BOS the template writes. */
    public String bosToken() { return bosToken; }

    /** The text of EOS the template writes. */
    public String eosToken() { return eosToken; }

    /** {@code raise_exception(message)} of Hugging Face templates: stops rendering with the template's message. */
    public static Object raiseException(String message) { throw new ChatTemplateException("the template raised: " + message); }

    /** A template failed to render; the caller adds which conversation. */
    public static final class ChatTemplateException extends IllegalArgumentException {
        public ChatTemplateException(String message) { super(message); }
    }
}
