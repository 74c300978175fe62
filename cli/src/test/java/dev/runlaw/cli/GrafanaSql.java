package dev.runlaw.cli;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Expands the macros of Grafana's ClickHouse datasource plugin the way the plugin does, so that tests can run a
 * dashboard panel's SQL against a real server: {@code $__timeFilter(col)}, {@code $__fromTime}, {@code $__toTime},
 * {@code $__interval_s}, {@code $__conditionalAll(cond, $var)} and template variables {@code $var} /
 * {@code ${var:singlequote}}. A variable whose value list is empty stands for "All".
 */
final class GrafanaSql {
    private static final Pattern TIME_FILTER = Pattern.compile("\\$__timeFilter\\(([^)]+)\\)");
    private static final Pattern CONDITIONAL_ALL = Pattern.compile("\\$__conditionalAll\\((.*?),\\s*\\$(\\w+)\\)");
    private static final Pattern VAR = Pattern.compile("\\$\\{(\\w+)(?::(\\w+))?}|\\$(\\w+)");

    private GrafanaSql() {
    }

    static String expand(String sql, long fromSec, long toSec, long intervalSec, Map<String, List<String>> vars) {
        String out = TIME_FILTER.matcher(sql).replaceAll(m -> Matcher.quoteReplacement(
                m.group(1).trim() + " >= toDateTime(" + fromSec + ") AND " + m.group(1).trim() + " <= toDateTime(" + toSec + ")"));
        out = out.replace("$__fromTime", "toDateTime(" + fromSec + ")")
                .replace("$__toTime", "toDateTime(" + toSec + ")")
                .replace("$__interval_s", Long.toString(intervalSec));
        out = CONDITIONAL_ALL.matcher(out).replaceAll(m -> {
            List<String> values = vars.getOrDefault(m.group(2), List.of());
            return Matcher.quoteReplacement(values.isEmpty() ? "1=1" : m.group(1).trim());
        });
        out = VAR.matcher(out).replaceAll(m -> {
            String name = m.group(1) != null ? m.group(1) : m.group(3);
            if (name.startsWith("__") || !vars.containsKey(name)) {
                return Matcher.quoteReplacement(m.group());
            }
            List<String> values = vars.get(name);
            boolean quote = "singlequote".equals(m.group(2));
            return Matcher.quoteReplacement(values.stream()
                    .map(v -> quote ? "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" : v)
                    .collect(Collectors.joining(",")));
        });
        if (out.contains("$__")) {
            throw new IllegalArgumentException("unexpanded Grafana macro in: " + out);
        }
        return out;
    }
}
