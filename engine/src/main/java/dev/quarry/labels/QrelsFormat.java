package dev.quarry.labels;

import dev.quarry.files.UserFiles;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The label file formats Quarry reads. */
public enum QrelsFormat {
    /** {@code anchor_id<TAB>doc_id[<TAB>label]}; {@code #} comments and a BEIR header line are skipped. */
    TSV,
    /** TREC qrels: {@code qid iteration docid relevance}, whitespace-separated. */
    TREC,
    /** One object per line: {@code {"anchor": id, "positives": [id, ...]}}. */
    JSONL;

    /** Parses {@code tsv}, {@code trec} or {@code jsonl}. */
    public static QrelsFormat parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tsv" -> TSV;
            case "trec" -> TREC;
            case "jsonl" -> JSONL;
            default -> throw new CommandSettingError(CommandSetting.QRELS_FORMAT, name, "tsv, trec or jsonl");
        };
    }

    /**
     * Guesses the format: {@code .jsonl}/{@code .json} or a first line starting with '{' is JSONL; a
     * first data line of four whitespace-separated fields ending in a number is TREC; otherwise TSV.
     */
    public static QrelsFormat detect(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".json")) {
            return JSONL;
        }
        UserFiles.requireInput(file);
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                line = line.replace("\uFEFF", "");
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                if (trimmed.startsWith("{")) {
                    return JSONL;
                }
                // Four fields ending in a number: TREC, space- or tab-separated (MS MARCO ships tabs).
                // A line with tabs is split on tabs only, so TSV ids may contain spaces.
                String[] fields = line.indexOf('\t') >= 0 ? trimmed.split("\t") : trimmed.split("\\s+");
                if (fields.length == 4 && isNumber(fields[3].strip())) {
                    return TREC;
                }
                return TSV;
            }
        }
        return TSV;
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
