package dev.quarry.tune;

import dev.quarry.QuarryDataException;
import dev.quarry.files.UserFiles;
import dev.quarry.labels.IdMap;
import dev.quarry.labels.Qrels;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A truth file: every line {@code anchor<TAB>doc[<TAB>kind]} names a true positive of the anchor, whatever
 * its kind ({@code labelled}, {@code planted}, {@code mislabelled}, {@code identical-docstring}... as the
 * demos' {@code truth.tsv} says). A mined negative among them is a known false negative. Lines naming an
 * id no store has are skipped (a truth file may cover held-out anchors too); {@code #} starts a comment.
 */
final class TruthPairs {
    private TruthPairs() {
    }

    static Qrels read(Path file, IdMap anchorIds, IdMap docIds) {
        UserFiles.requireInput(file);
        Qrels.Builder pairs = new Qrels.Builder();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            long lineNo = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNo++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] fields = line.split("\t", -1);
                if (fields.length < 2 || fields.length > 3 || fields[0].isBlank() || fields[1].isBlank()) {
                    throw new QuarryDataException(file, "line " + lineNo, line,
                            "anchor_id<TAB>doc_id[<TAB>kind] (a true positive of the anchor)");
                }
                int anchor = anchorIds.ordinal(fields[0].strip());
                int doc = docIds.ordinal(fields[1].strip());
                if (anchor >= 0 && doc >= 0) {
                    pairs.add(anchor, doc);
                }
            }
        } catch (CharacterCodingException e) {
            throw new QuarryDataException(file, "encoding", "invalid UTF-8", "UTF-8 text", e);
        } catch (IOException e) {
            throw QuarryDataException.unreadable(file, "file", e, "a readable truth file");
        }
        return pairs.build();
    }
}
