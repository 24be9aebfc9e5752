package monetj.data.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One line of a chat JSON-lines file: {@code {"messages": [{"role": ..., "content": ...}, ...]}} (other fields are
 * ignored; an {@code id} names the conversation in messages), and where it came from.
 */
public record Conversation(String where, List<ChatMessage> messages) {
    /** Parses one line's JSON; a malformed conversation is refused naming {@code where}. */
    public static Conversation parse(JsonNode line, String where) {
        JsonNode id = line.get("id");
        String name = id != null && id.isValueNode() ? where + " (id " + id.asText() + ")" : where;
        JsonNode msgs = line.get("messages");
        if (msgs == null || !msgs.isArray()) throw new IllegalArgumentException(name + ": no \"messages\" array");
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < msgs.size(); i++) {
            JsonNode m = msgs.get(i), role = m.get("role"), content = m.get("content");
            if (role == null || !role.isTextual() || content == null || !content.isTextual()) {
                throw new IllegalArgumentException(name + ": message " + i + " needs string \"role\" and \"content\", got " + m);
            }
            out.add(new ChatMessage(role.asText(), content.asText()));
        }
        return new Conversation(name, List.copyOf(out));
    }

    public boolean hasAssistantTurn() { return messages.stream().anyMatch(ChatMessage::fromAssistant); }
}
