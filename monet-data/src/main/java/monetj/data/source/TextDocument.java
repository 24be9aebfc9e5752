package monetj.data.source;

/** One document's text and where it came from: the file and its row (line for JSON-lines, from 0). */
public record TextDocument(String file, long row, String text) {}
