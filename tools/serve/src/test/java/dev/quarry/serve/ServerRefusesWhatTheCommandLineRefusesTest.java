package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.cli.QuarryMain;
import dev.quarry.options.Door;
import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import dev.quarry.options.Setting;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every refusal of the command line's option tests, sent to a running server as a mine request: the
 * server answers 400 with the field, the value and what was expected that the command line's error
 * holds (in the service's names), before it reads any anchor or sizes anything by the value.
 */
class ServerRefusesWhatTheCommandLineRefusesTest {
    @TempDir
    static Path dir;

    private static ServeFixture.Running server;

    @BeforeAll
    static void start() {
        ServeFixture.writeCatalog(dir, 3_000, 20, 16);
        server = ServeFixture.Running.start(ServeFixture.settings(dir, null, null, ServeFixture.limits()));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The command line's refusal of {@code args} given to {@code quarry mine}. */
    private static OptionError commandLine(String... args) {
        List<String> all = new ArrayList<>(List.of("mine", "--qrels", "q.tsv", "--output", "out.jsonl"));
        all.addAll(List.of(args));
        return assertThrows(OptionError.class, () -> {
            picocli.CommandLine cmd = QuarryMain.commandLine();
            cmd.parseArgs(all.toArray(String[]::new));
            ((dev.quarry.cli.SchemaOptions.Mines) cmd.getSubcommands().get("mine").getCommand()).schemaOptions()
                    .options();
        }, String.join(" ", args));
    }

    /** The server's answer to a mine request with {@code query} as its query (options) and no anchors. */
    private static String server(String query) {
        HttpResponse<byte[]> answer = server.post("/v1/mine?n=0&" + query, "application/octet-stream", new byte[0]);
        String text = ServeFixture.text(answer);
        assertEquals(400, answer.statusCode(), query + ": " + text);
        return text;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void assertSameRefusal(OptionError cli, String text) {
        String expected = "\"field\":\"" + cli.field() + "\",\"value\":\"" + cli.value() + "\",\"expected\":\""
                + Door.HTTP.spell(cli.expected()) + "\"";
        assertTrue(text.contains(expected), "command line: " + Door.CLI.render(cli) + "\nserver: " + text);
    }

    @Test
    void everySettingsBadValueIsRefusedAsTheCommandLineRefusesIt() {
        int checked = 0;
        for (Setting<?> s : MineSettings.ALL) {
            if (s.kind() == Setting.Kind.SWITCH || !s.appliesTo(Door.HTTP) || !s.appliesTo(Door.CLI)) {
                continue;
            }
            String bad = s.kind() == Setting.Kind.CHOICE ? "nonsense" : "NaN";
            assertSameRefusal(commandLine(Door.CLI.name(s), bad), server(encode(Door.HTTP.name(s)) + "=" + bad));
            checked++;
        }
        assertTrue(checked >= 15, "settings checked: " + checked);
    }

    @Test
    void outOfRangeValuesAreRefusedAsTheCommandLineRefusesThem() {
        String[][] cases = {{"num_negatives", "0"}, {"range_min", "-1"}, {"nprobe", "0"}, {"relative_margin", "1"},
                {"near_duplicate", "-1"}, {"semi_hard_margin", "0"}, {"simans_a", "0"}, {"simans_b", "3"},
                {"probe_margin", "-1"}};
        for (String[] c : cases) {
            Setting<?> s = MineSettings.byKey(c[0]);
            assertSameRefusal(commandLine(Door.CLI.name(s), c[1]), server(c[0] + "=" + c[1]));
        }
    }

    @Test
    void settingsThatDoNotGoTogetherAreRefusedAsOnTheCommandLine() {
        assertSameRefusal(commandLine("--range-min", "50", "--range-max", "10"), server("range_min=50&range_max=10"));
    }

    @Test
    void aRankWindowDeeperThanTheCorpusIsRefusedAtOnceWhateverItsSize() {
        // 1e8 and 100000000.0 write the integer 100000000 (JSON encoders write large integers so): the same refusal.
        for (String depth : List.of("100000000", "2000000000", "1e8", "100000000.0")) {
            long t0 = System.nanoTime();
            String text = server("range_max=" + depth);
            String value = new java.math.BigDecimal(depth).toBigIntegerExact().toString();
            assertTrue(text.contains("\"field\":\"range_max\",\"value\":\"" + value + "\""), text);
            assertTrue(text.contains("at most the corpus size"), text);
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "refused before anything is sized by it");
        }
    }
}
