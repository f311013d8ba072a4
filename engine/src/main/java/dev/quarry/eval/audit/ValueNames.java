package dev.quarry.eval.audit;

import dev.quarry.io.JsonlTexts;
import dev.quarry.labels.IdMap;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * How the values of a mined set read on a review sheet. A set holds ids, or texts when it was mined
 * with text files; a sheet shows texts and keeps ids (to act on the marks). A value that names a row
 * is an id, its text read from the text file; a value that does not is looked up among the texts,
 * in one pass over the rows, to find its id.
 */
public final class ValueNames {
    private final IdMap ids;
    private final JsonlTexts texts;
    private final Map<String, String> idByText;

    private ValueNames(IdMap ids, JsonlTexts texts, Map<String, String> idByText) {
        this.ids = ids;
        this.texts = texts;
        this.idByText = idByText;
    }

    /**
     * @param ids the ids of the rows, or null when nothing names them (values are then taken as the ids
     *     the file was written with)
     * @param texts the rows' texts, or null
     * @param values every value the names will be asked for (those that are not ids are looked up as texts)
     */
    public static ValueNames of(IdMap ids, JsonlTexts texts, Collection<String> values) {
        Map<String, String> idByText = new HashMap<>();
        if (ids != null && texts != null) {
            Set<String> wanted = new HashSet<>();
            for (String v : values) {
                if (ids.ordinal(v) < 0) {
                    wanted.add(v);
                }
            }
            for (int row = 0; row < ids.size() && idByText.size() < wanted.size(); row++) {
                String text = texts.text(row);
                if (text != null && wanted.contains(text)) {
                    idByText.putIfAbsent(text, ids.id(row));
                }
            }
        }
        return new ValueNames(ids, texts, idByText);
    }

    /** What reviewers read for {@code value}: the text of the row it names, else the value itself. */
    public String text(String value) {
        int row = ids == null || texts == null ? -1 : ids.ordinal(value);
        String text = row < 0 ? null : texts.text(row);
        return text == null ? value : text;
    }

    /** The id of {@code value}, or null when it is a text that names no row's text. */
    public String id(String value) {
        if (ids == null || ids.ordinal(value) >= 0) {
            return value;
        }
        return idByText.get(value);
    }
}
