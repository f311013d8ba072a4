package dev.quarry.io;

/**
 * What an output line shows for an anchor or a document: its text when a text JSONL was given, its
 * id otherwise. Thread-safe.
 */
public interface TextLookup {
    /** The text or id of anchor row {@code ordinal}. */
    String anchor(int ordinal);

    /** The text or id of corpus row {@code ordinal}. */
    String doc(int ordinal);
}
