package monetj.data.chat;

/** One turn of a conversation: {@code role} is {@code system}, {@code user}, {@code assistant} (or a template's own). */
public record ChatMessage(String role, String content) {
    public static final String ASSISTANT = "assistant";

    public boolean fromAssistant() { return ASSISTANT.equals(role); }
}
