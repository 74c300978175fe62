package dev.runlaw.local;

import java.util.ArrayList;
import java.util.List;

/** Parses one line of ClickHouse's TabSeparated output, undoing its backslash escapes. */
final class TabSeparated {

    private TabSeparated() {
    }

    /** Splits on unescaped tabs; {@code \N} alone in a field is SQL NULL and comes back as {@code null}. */
    static List<String> parseLine(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean nullField = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\t') {
                fields.add(nullField && cur.isEmpty() ? null : cur.toString());
                cur.setLength(0);
                nullField = false;
            } else if (c == '\\' && i + 1 < line.length()) {
                char n = line.charAt(++i);
                switch (n) {
                    case 't' -> cur.append('\t');
                    case 'n' -> cur.append('\n');
                    case 'r' -> cur.append('\r');
                    case 'b' -> cur.append('\b');
                    case 'f' -> cur.append('\f');
                    case '0' -> cur.append('\0');
                    case 'N' -> {
                        if (cur.isEmpty() && (i + 1 == line.length() || line.charAt(i + 1) == '\t')) {
                            nullField = true;
                        } else {
                            cur.append('\\').append('N');
                        }
                    }
                    default -> cur.append(n); // \\ \' and any other escaped character stand for themselves
                }
            } else {
                cur.append(c);
            }
        }
        fields.add(nullField && cur.isEmpty() ? null : cur.toString());
        return fields;
    }
}
