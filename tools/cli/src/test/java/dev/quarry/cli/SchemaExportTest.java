package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.options.SchemaJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The schema's JSON export ({@code quarry options --json}) and the copy the Python client's keyword
 * parameters are generated from stay one: a setting added or renamed fails this test until the copy is
 * written again with {@code ./quarry options --json > tools/python/quarry_client/schema.json} (then the
 * client's {@code test_options.py} fails until {@code tools/python/generate_options.py} has run).
 */
class SchemaExportTest {
    private static final Path PYTHON_COPY = Path.of("..", "python", "quarry_client", "schema.json");

    @Test
    void optionsJsonPrintsTheSchema() {
        CliRun run = CliRun.of("options", "--json");
        assertEquals(0, run.exitCode(), run::toString);
        assertEquals(SchemaJson.write(), run.out());
        CliRun table = CliRun.of("options");
        assertTrue(table.out().contains("--num-negatives") && table.out().contains("num_negatives")
                && table.out().contains("numNegatives"), table.out());
    }

    @Test
    void thePythonClientsCopyOfTheSchemaIsCurrent() throws IOException {
        assertEquals(SchemaJson.write(), Files.readString(PYTHON_COPY), "rewrite it: ./quarry options --json > "
                + "tools/python/quarry_client/schema.json && /usr/bin/python3 tools/python/generate_options.py");
    }
}
