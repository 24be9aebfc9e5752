package monetj.data.iter;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Where a batch iterator stands, small enough to keep in every checkpoint as JSON. Restoring it gives the
 * exact batches that would have come next. It also records the settings it is valid for, so restoring into
 * an iterator with another (global) batch size, sequence length or seed is refused; a packed state may be resumed
 * by another number of processes, a streaming one (whose position is per process) only by the same.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "mode")
@JsonSubTypes({
    @JsonSubTypes.Type(value = IteratorState.Packed.class, name = "packed"),
    @JsonSubTypes.Type(value = IteratorState.Streaming.class, name = "streaming")
})
public sealed interface IteratorState {
    ObjectMapper JSON = new ObjectMapper();

    BatchLayout layout();

    /**
     * Prepared shards: the number of global batches taken, each process taking its part of every one, so the same
     * number for every process: a global position that any number of processes splitting the same global batch
     * can continue from. The rest follows from the layout.
     */
    record Packed(BatchLayout layout, String dataset, long batches) implements IteratorState {}

    /**
     * Streaming: the next token to read is {@code offset} tokens into the document at {@code row} of the
     * {@code fileCursor}-th file of epoch {@code epoch}'s file order.
     */
    record Streaming(BatchLayout layout, String dataset, long epoch, int fileCursor, long row, long offset) implements IteratorState {}

    default String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write iterator state", e);
        }
    }

    static IteratorState fromJson(String json) {
        try {
            return JSON.readValue(json, IteratorState.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an iterator state: " + e.getOriginalMessage(), e);
        }
    }
}
