package dev.quarry.serve;

import dev.quarry.cli.MiningFlags;
import dev.quarry.index.SearchParams;
import dev.quarry.mining.MiningConfig;
import java.util.Map;
import java.util.Set;

/**
 * The mining options of one request, by {@code quarry mine}'s names ({@code num-negatives},
 * {@code range-min}, ...), from query parameters or JSON fields, read by the command line's own parser
 * ({@link MiningFlags}) so a request mines what the command would. A bad name or value is a
 * {@link BadRequest} naming it.
 *
 * @param config what to mine
 * @param search search options of this call (nprobe, threads)
 */
record MineOptions(MiningConfig config, SearchParams search) {
    /** The names a request may use. */
    static final Set<String> NAMES = MiningFlags.names();

    /** Options from {@code values} (name to text), over the server's search defaults. */
    static MineOptions parse(Map<String, String> values, SearchParams defaults) {
        try {
            MiningFlags.Parsed parsed = MiningFlags.parse(values);
            return new MineOptions(parsed.config(), parsed.nprobe() == null ? defaults
                    : defaults.withNprobe(parsed.nprobe()));
        } catch (MiningFlags.Refused e) {
            throw new BadRequest(e.field(), e.value(), e.expected());
        }
    }
}
