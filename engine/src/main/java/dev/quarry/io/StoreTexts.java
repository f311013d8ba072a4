package dev.quarry.io;

import dev.quarry.labels.IdMap;

/**
 * The {@link TextLookup} of a run: texts from JSONL files when given (falling back to the id for a
 * row without text), ids otherwise.
 *
 * @param anchorTexts texts of the anchor rows, or null
 * @param anchorIds ids of the anchor rows
 * @param docTexts texts of the corpus rows, or null
 * @param docIds ids of the corpus rows
 */
public record StoreTexts(JsonlTexts anchorTexts, IdMap anchorIds, JsonlTexts docTexts, IdMap docIds)
        implements TextLookup {

    @Override
    public String anchor(int ordinal) {
        return pick(anchorTexts, anchorIds, ordinal);
    }

    @Override
    public String doc(int ordinal) {
        return pick(docTexts, docIds, ordinal);
    }

    private static String pick(JsonlTexts texts, IdMap ids, int ordinal) {
        String text = texts == null ? null : texts.text(ordinal);
        return text != null ? text : ids.id(ordinal);
    }
}
