package dev.runlaw.jobs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a job's flat {@code key -> value} settings and collects every error instead of stopping at the first, so a
 * bad configuration is reported in one message. Shared by the jobs' {@code *Config} records.
 */
public final class ConfigParser {
    /** What Flink's {@code ParameterTool} stores for a flag given without a value ({@code --bounded}). */
    public static final String NO_VALUE = "__NO_VALUE_KEY";

    private final Map<String, String> conf;
    private final List<String> errors = new ArrayList<>();

    public ConfigParser(Map<String, String> conf) {
        this.conf = new HashMap<>(conf);
    }

    public String required(String key) {
        String v = conf.get(key);
        if (v == null || v.isBlank() || v.equals(NO_VALUE)) {
            errors.add(key + " is required");
            return null;
        }
        return v.trim();
    }

    public String string(String key, String dflt) {
        String v = conf.get(key);
        if (v == null || v.equals(NO_VALUE)) {
            return dflt;
        }
        return v.trim();
    }

    public long integer(String key, long dflt, long min, long max) {
        String v = conf.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            long x = Long.parseLong(v.trim().replace("_", ""));
            if (x < min || x > max) {
                errors.add(key + " must be in " + min + ".." + max + ", got " + x);
                return dflt;
            }
            return x;
        } catch (NumberFormatException e) {
            errors.add(key + " must be an integer, got '" + v + "'");
            return dflt;
        }
    }

    public boolean bool(String key, boolean dflt) {
        String v = conf.get(key);
        if (v == null) {
            return dflt;
        }
        if (v.equals(NO_VALUE)) {
            return true; // a bare flag: --bounded
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> {
                errors.add(key + " must be true or false, got '" + v + "'");
                yield dflt;
            }
        };
    }

    public <E extends Enum<E>> E choice(String key, Class<E> type, E dflt) {
        String v = conf.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Enum.valueOf(type, v.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            List<String> names = new ArrayList<>();
            for (E c : type.getEnumConstants()) {
                names.add(c.name().toLowerCase(Locale.ROOT));
            }
            errors.add(key + " must be one of " + names + ", got '" + v + "'");
            return dflt;
        }
    }

    /** A double in {@code [min, max]}, else an error and the default. */
    public double decimal(String key, double dflt, double min, double max) {
        String v = conf.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            double x = Double.parseDouble(v.trim());
            if (!(x >= min && x <= max)) {
                errors.add(key + " must be in " + min + ".." + max + ", got " + v.trim());
                return dflt;
            }
            return x;
        } catch (NumberFormatException e) {
            errors.add(key + " must be a number, got '" + v + "'");
            return dflt;
        }
    }

    /** Records an error found by the caller. */
    public void error(String message) {
        errors.add(message);
    }

    /** @throws IllegalArgumentException listing every error, if there was any */
    public void throwIfErrors(String what) {
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid " + what + " configuration:\n  - " + String.join("\n  - ", errors));
        }
    }
}
