package dev.runlaw.schema.validate;

import java.util.Map;

/**
 * Explicit size limits on telemetry records. A record over a limit is refused with
 * {@link RejectReason#OVER_LIMIT}; nothing is truncated silently.
 *
 * <p>Configuration keys (ingest job flags and gateway settings use the same names):
 * <table>
 *   <caption>limits</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>limits.max-id-length</td><td>256</td><td>run id, family id, source, sequence id, eval set (chars)</td></tr>
 *   <tr><td>limits.max-experts</td><td>4096</td><td>experts per layer: tokens_per_expert length, expert id bound</td></tr>
 *   <tr><td>limits.max-top-k</td><td>64</td><td>expert ids per routed token</td></tr>
 *   <tr><td>limits.max-layers</td><td>4096</td><td>layer index bound</td></tr>
 *   <tr><td>limits.max-tokens-per-batch</td><td>65536</td><td>token records in one routing-trace batch</td></tr>
 *   <tr><td>limits.max-devices</td><td>65536</td><td>device index bound in data-movement records</td></tr>
 *   <tr><td>limits.max-lr-per-step</td><td>100000</td><td>entries of an explicit planned LR array</td></tr>
 *   <tr><td>limits.max-map-entries</td><td>128</td><td>tags, per-group LRs</td></tr>
 * </table>
 */
public record Limits(int maxIdLength, int maxExperts, int maxTopK, int maxLayers, int maxTokensPerBatch,
                     int maxDevices, int maxLrPerStep, int maxMapEntries) implements java.io.Serializable {

    public Limits {
        if (maxIdLength < 1 || maxExperts < 1 || maxTopK < 1 || maxLayers < 1 || maxTokensPerBatch < 1
                || maxDevices < 1 || maxLrPerStep < 0 || maxMapEntries < 0) {
            throw new IllegalArgumentException("limits must be positive: " + this);
        }
    }

    public static Limits defaults() {
        return new Limits(256, 4096, 64, 4096, 65_536, 65_536, 100_000, 128);
    }

    /** Reads {@code limits.*} keys from a flat configuration map; absent keys keep their defaults. */
    public static Limits fromMap(Map<String, String> conf) {
        Limits d = defaults();
        return new Limits(
                get(conf, "limits.max-id-length", d.maxIdLength),
                get(conf, "limits.max-experts", d.maxExperts),
                get(conf, "limits.max-top-k", d.maxTopK),
                get(conf, "limits.max-layers", d.maxLayers),
                get(conf, "limits.max-tokens-per-batch", d.maxTokensPerBatch),
                get(conf, "limits.max-devices", d.maxDevices),
                get(conf, "limits.max-lr-per-step", d.maxLrPerStep),
                get(conf, "limits.max-map-entries", d.maxMapEntries));
    }

    private static int get(Map<String, String> conf, String key, int dflt) {
        String v = conf.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
        }
    }
}
