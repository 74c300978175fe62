package dev.runlaw.cli;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.CharBuffer;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Expands the macros of Grafana's ClickHouse datasource plugin the way the plugin does, so that a dashboard panel's
 * SQL runs outside Grafana exactly as Grafana would run it (the tests run every panel against a real server;
 * {@code ./runlaw report} draws its charts from the panels' SQL): {@code $__timeFilter(col)}, {@code $__fromTime}, {@code $__toTime},
 * {@code $__interval_s}, {@code $__conditionalAll(cond, $var)} and template variables {@code $var} /
 * {@code ${var}} / {@code ${var:format}}. A variable whose value list is empty stands for "All".
 *
 * <p>Variable values are formatted exactly as Grafana formats them, escaping included, so a test sees the same
 * SQL a hostile value would produce in production. Values are passed as a multi-value variable's array (the
 * dashboards' variables are {@code multi}). What the sources say (read 2026-12):
 * <ul>
 *   <li>No format: the plugin's {@code Datasource.format} (grafana/clickhouse-datasource
 *       {@code src/data/CHDatasource.ts}, passed to {@code templateSrv.replace}) returns a single value as it is
 *       and an array as {@code "'" + value.join("','") + "'"}: nothing is escaped.</li>
 *   <li>{@code singlequote} (grafana/grafana {@code public/app/features/templating/formatRegistry.ts}, and the same
 *       in grafana/scenes {@code packages/scenes/src/variables/interpolation/formatRegistry.ts}, which Grafana 12's
 *       dashboards use): each value has {@code '} replaced by {@code \'} and is wrapped in {@code '...'}, joined
 *       with {@code ,}. Backslashes are not escaped, so a value ending in {@code \} or holding {@code \'} escapes
 *       ClickHouse's string literal, where a backslash is an escape character.</li>
 *   <li>{@code sqlstring} (scenes): {@code '} doubled and {@code "} written {@code \"}, wrapped, joined with
 *       {@code ,}; backslashes not escaped either.</li>
 *   <li>{@code percentencode}: an array becomes {@code '{' + join(',') + '}'}, then {@code encodeURIComponent} with
 *       {@code !'()*} also encoded: only {@code A-Z a-z 0-9 - _ . ~} and {@code %XX} remain, so nothing in it can
 *       end a string literal. The dashboards use this one (decoded by ClickHouse's {@code decodeURLComponent}).</li>
 *   <li>{@code csv} and {@code raw}: joined with {@code ,}, unescaped.</li>
 * </ul>
 * {@code $__conditionalAll(cond, $var)} is replaced by {@code 1=1} when the variable's value is {@code ""} or
 * {@code $__all} (All), else by {@code cond}, before variables are replaced (the plugin's
 * {@code applyConditionalAll} runs first).
 */
public final class GrafanaSql {
    private static final Pattern TIME_FILTER = Pattern.compile("\\$__timeFilter\\(([^)]+)\\)");
    private static final Pattern CONDITIONAL_ALL = Pattern.compile("\\$__conditionalAll\\((.*?),\\s*\\$(\\w+)\\)");
    private static final Pattern VAR = Pattern.compile("\\$\\{(\\w+)(?::(\\w+))?}|\\$(\\w+)");
    /** What {@code encodeURIComponent} leaves alone, minus the {@code !'()*} Grafana's strict variant encodes. */
    private static final String UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";

    private GrafanaSql() {
    }

    public static String expand(String sql, long fromSec, long toSec, long intervalSec, Map<String, List<String>> vars) {
        String out = TIME_FILTER.matcher(sql).replaceAll(m -> Matcher.quoteReplacement(
                m.group(1).trim() + " >= toDateTime(" + fromSec + ") AND " + m.group(1).trim() + " <= toDateTime(" + toSec + ")"));
        out = out.replace("$__fromTime", "toDateTime(" + fromSec + ")")
                .replace("$__toTime", "toDateTime(" + toSec + ")")
                .replace("$__interval_s", Long.toString(intervalSec));
        out = CONDITIONAL_ALL.matcher(out).replaceAll(m -> {
            // The plugin tests current.value.toString(): a JavaScript array joins with ",".
            String value = String.join(",", vars.getOrDefault(m.group(2), List.of()));
            return Matcher.quoteReplacement(value.isEmpty() || value.equals("$__all") ? "1=1" : m.group(1).trim());
        });
        out = VAR.matcher(out).replaceAll(m -> {
            String name = m.group(1) != null ? m.group(1) : m.group(3);
            if (name.startsWith("__") || !vars.containsKey(name)) {
                return Matcher.quoteReplacement(m.group());
            }
            return Matcher.quoteReplacement(format(vars.get(name), m.group(2)));
        });
        if (out.contains("$__")) {
            throw new IllegalArgumentException("unexpanded Grafana macro in: " + out);
        }
        return out;
    }

    /** One multi-value variable's values in Grafana's {@code format} (null: the plugin's default). */
    public static String format(List<String> values, String format) {
        if (format == null) {
            return "'" + String.join("','", values) + "'";
        }
        return switch (format) {
            case "singlequote" -> values.stream().map(v -> "'" + v.replace("'", "\\'") + "'")
                    .collect(Collectors.joining(","));
            case "sqlstring" -> values.stream().map(v -> "'" + v.replace("'", "''").replace("\"", "\\\"") + "'")
                    .collect(Collectors.joining(","));
            case "percentencode" -> encodeUriComponentStrict("{" + String.join(",", values) + "}");
            case "csv", "raw" -> String.join(",", values);
            default -> throw new IllegalArgumentException("variable format not modelled here: " + format);
        };
    }

    /** JavaScript's {@code encodeURIComponent} plus {@code !'()*}; a lone surrogate throws, as URIError does. */
    static String encodeUriComponentStrict(String s) {
        ByteBuffer utf8;
        try {
            utf8 = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(s));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("URIError: malformed URI sequence in " + s.length() + " chars", e);
        }
        StringBuilder out = new StringBuilder();
        while (utf8.hasRemaining()) {
            int b = utf8.get() & 0xff;
            if (b < 0x80 && UNRESERVED.indexOf(b) >= 0) {
                out.append((char) b);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", b));
            }
        }
        return out.toString();
    }
}
