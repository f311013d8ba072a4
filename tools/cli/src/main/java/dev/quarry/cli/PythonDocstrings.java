package dev.quarry.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real text catalog every machine with Python has: the docstrings of Python's standard library, as
 * {@code python3} lists them (the script {@code python_docstrings.py} beside this class: public functions,
 * classes and methods with a docstring of their own, aliases under each of their names).
 */
public final class PythonDocstrings {
    private static final JsonFactory JSON = new JsonFactory();

    /** One documented name and its cleaned docstring. */
    public record Entry(String name, String doc) {
        /** The docstring's first line: its one-line summary. */
        public String summary() {
            int nl = doc.indexOf('\n');
            return (nl < 0 ? doc : doc.substring(0, nl)).strip();
        }

        /** Whether the docstring says more than its summary. */
        public boolean hasBody() {
            return doc.indexOf('\n') >= 0 && !doc.substring(doc.indexOf('\n')).isBlank();
        }
    }

    private PythonDocstrings() {
    }

    /** Runs {@code python} (e.g. {@code python3}) over the script and returns the entries, sorted by name. */
    public static List<Entry> extract(String python, Path workdir) {
        Path script = workdir.resolve("python_docstrings.py");
        Path out = workdir.resolve("python_docstrings.jsonl");
        try (InputStream in = PythonDocstrings.class.getResourceAsStream("python_docstrings.py")) {
            Files.write(script, in.readAllBytes());
            Process p = new ProcessBuilder(python, "-I", script.toString()).redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).directory(workdir.toFile()).start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(python + " did not finish listing docstrings in 10 minutes");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(python + " failed listing docstrings (exit " + p.exitValue() + ")");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + python + " (Python 3 is needed for the text demo: "
                    + "apt-get install python3)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return read(out);
    }

    /** Reads the script's output. */
    static List<Entry> read(Path file) {
        List<Entry> entries = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try (JsonParser p = JSON.createParser(line)) {
                    String name = null;
                    String doc = null;
                    p.nextToken();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String field = p.currentName();
                        p.nextToken();
                        if (field.equals("name")) {
                            name = p.getText();
                        } else if (field.equals("doc")) {
                            doc = p.getText();
                        }
                    }
                    if (name == null || doc == null) {
                        throw new QuarryDataException(file, "line", line, "{\"name\", \"doc\"}");
                    }
                    entries.add(new Entry(name, doc));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }
}
