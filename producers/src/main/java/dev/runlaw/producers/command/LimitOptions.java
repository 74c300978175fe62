package dev.runlaw.producers.command;

import dev.runlaw.schema.validate.Limits;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code --limits.KEY N} options (the ingest job's {@code limits.*} keys) for a command that validates
 * records. One option per component of {@link Limits}, named after it ({@code maxTopK} → {@code --limits.max-top-k}),
 * so a limit added to {@link Limits} gets its flag and its line in {@code --help} without touching any command;
 * {@code LimitOptionsTest} checks every flag reaches its component through {@link Limits#fromMap}.
 */
public final class LimitOptions {
    private static final String PREFIX = "--limits.";

    private LimitOptions() {
    }

    /** Adds the limit options to {@code spec} (programmatically: their names come from {@link Limits}). */
    public static void addTo(CommandSpec spec) {
        Limits defaults = Limits.defaults();
        for (RecordComponent c : Limits.class.getRecordComponents()) {
            String flag = PREFIX + kebab(c.getName());
            spec.addOption(OptionSpec.builder(flag)
                    .paramLabel("N")
                    .order(100) // after the command's own options in --help
                    .type(String.class) // Limits.fromMap parses and names the key in its error
                    .description("Record limit " + flag.substring(2) + " (default " + value(defaults, c)
                            + "), as the ingest job's.")
                    .build());
        }
    }

    /** The limits given on {@code spec}'s command line, defaults for the rest; a bad value is a usage error. */
    public static Limits read(CommandSpec spec) {
        Map<String, String> given = new HashMap<>();
        for (OptionSpec o : spec.options()) {
            if (o.longestName().startsWith(PREFIX) && o.getValue() != null) {
                given.put(o.longestName().substring(2), o.getValue());
            }
        }
        try {
            return Limits.fromMap(given);
        } catch (IllegalArgumentException e) {
            throw Commands.usage(spec, e.getMessage());
        }
    }

    /** {@code maxTokensPerBatch} → {@code max-tokens-per-batch}. */
    static String kebab(String camel) {
        StringBuilder b = new StringBuilder();
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                b.append('-').append(Character.toLowerCase(ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }

    private static Object value(Limits limits, RecordComponent c) {
        try {
            return c.getAccessor().invoke(limits);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read Limits." + c.getName(), e);
        }
    }
}
