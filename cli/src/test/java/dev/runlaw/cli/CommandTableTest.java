package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.local.ProjectRoot;
import dev.runlaw.producers.command.Commands;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The README's "Other commands" table against the real command tree ({@link Main#commandLine}): every command a row
 * names exists and every option it names is in that command's {@code --help}; every command of {@code runlaw --help}
 * has a row; and every command answers {@code --help} with 0 and a usage error with 2, its name and its usage on
 * stderr.
 */
class CommandTableTest {
    private static final Pattern ROW = Pattern.compile("^\\| `\\./runlaw ((?:[^`\\\\]|\\\\.)+)` \\|", Pattern.MULTILINE);
    private static final Pattern OPTION = Pattern.compile("--[a-z][a-z0-9.-]*[a-z0-9]");
    /** What the table documents per leaf command ("bench forecast"): the options its rows name. */
    private static final Map<String, Set<String>> TABLE = new LinkedHashMap<>();

    @BeforeAll
    static void readTable() throws IOException {
        String readme = Files.readString(ProjectRoot.find().resolve("README.md"));
        int start = readme.indexOf("\n## Other commands");
        assertThat(start).as("README has an 'Other commands' section").isPositive();
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        Matcher m = ROW.matcher(section);
        CommandLine root = Main.commandLine(System.out, System.err);
        while (m.find()) {
            List<String> words = List.of(m.group(1).replace("\\|", "|").split("\\s+"));
            // The command path: words naming subcommands, "a|b" naming several siblings.
            List<CommandLine> current = List.of(root);
            int i = 0;
            for (; i < words.size() && !words.get(i).startsWith("-") && !words.get(i).startsWith("["); i++) {
                List<CommandLine> next = new ArrayList<>();
                for (String alternative : words.get(i).split("\\|")) {
                    for (CommandLine c : current) {
                        CommandLine sub = c.getSubcommands().get(alternative);
                        if (sub != null) {
                            next.add(sub);
                        }
                    }
                }
                if (next.isEmpty()) {
                    break; // a value such as DIR or FILE...
                }
                current = next;
            }
            assertThat(current).as("row './runlaw %s' names a command", m.group(1)).doesNotContain(root);
            Set<String> options = new LinkedHashSet<>();
            Matcher o = OPTION.matcher(String.join(" ", words.subList(i, words.size())));
            while (o.find()) {
                options.add(o.group());
            }
            for (CommandLine c : current) {
                TABLE.computeIfAbsent(path(c), k -> new LinkedHashSet<>()).addAll(options);
            }
        }
        assertThat(TABLE).as("rows parsed").isNotEmpty();
    }

    @Test
    void everyOptionInTheTableIsInItsCommandsHelp() {
        TABLE.forEach((command, options) -> {
            Run help = run(command + " --help");
            assertThat(help.code()).as(command + " --help").isZero();
            for (String option : options) {
                assertThat(help.out()).as("'runlaw %s --help' shows %s", command, option)
                        .containsPattern(Pattern.quote(option) + "(?![a-z0-9.-])");
            }
        });
    }

    @Test
    void everyCommandOfTheHelpHasARow() {
        Run help = run("--help");
        assertThat(help.code()).isZero();
        List<String> leaves = new ArrayList<>();
        collectLeaves(Main.commandLine(System.out, System.err), leaves);
        assertThat(leaves).contains("demo", "backtest", "gateway", "bench ingest", "bench gateway",
                "bench forecast-fit", "bench forecast", "import csv", "import jsonl", "import tensorboard",
                "import megatron-routing");
        for (String leaf : leaves) {
            assertThat(help.out()).as("runlaw --help lists " + leaf).contains(leaf.split(" ")[0]);
        }
        assertThat(TABLE.keySet()).as("README's 'Other commands' rows").containsAll(leaves);
    }

    @Test
    void everyCommandHasHelpAndTheSameUsageErrorStyle() {
        List<String> all = new ArrayList<>();
        collectAll(Main.commandLine(System.out, System.err), all);
        for (String command : all) {
            Run help = run(command + " --help");
            assertThat(help.code()).as(command + " --help").isEqualTo(Commands.OK);
            assertThat(help.out()).as(command + " --help").startsWith("Usage: runlaw " + command);
            Run bad = run(command + " --no-such-option");
            assertThat(bad.code()).as(command + " --no-such-option").isEqualTo(Commands.USAGE);
            // Commands with required options report those first; the style is the same.
            assertThat(bad.err()).as(command + " usage error").startsWith("runlaw " + command + ": ")
                    .containsPattern("Unknown option: '--no-such-option'|Missing required")
                    .contains("Usage: runlaw " + command);
            assertThat(bad.out()).isEmpty();
        }
        Run missing = run("bench");
        assertThat(missing.code()).isEqualTo(Commands.USAGE);
        assertThat(missing.err()).startsWith("runlaw bench: Missing required subcommand").contains("forecast-fit");
        Run rule = run("demo --moe-steps 3");
        assertThat(rule.code()).isEqualTo(Commands.USAGE);
        assertThat(rule.err()).startsWith("runlaw demo: --moe-steps must be >= 10").contains("Usage: runlaw demo");
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        int code = Commands.execute(Main.commandLine(o, e), args.split(" "), o, e);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String path(CommandLine c) {
        return c.getCommandSpec().qualifiedName(" ").substring("runlaw ".length());
    }

    private static void collectLeaves(CommandLine c, List<String> out) {
        for (CommandLine sub : c.getSubcommands().values()) {
            if (sub.getSubcommands().isEmpty()) {
                out.add(path(sub));
            } else {
                collectLeaves(sub, out);
            }
        }
    }

    private static void collectAll(CommandLine c, List<String> out) {
        for (CommandLine sub : c.getSubcommands().values()) {
            out.add(path(sub));
            collectAll(sub, out);
        }
    }
}
