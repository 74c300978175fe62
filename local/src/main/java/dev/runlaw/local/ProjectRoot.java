package dev.runlaw.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one place that finds this project's root directory, where {@code sql/} and {@code dashboards/} lie, for the
 * tests, the demo and the dev tools: the {@value #PROPERTY} system property if set (the {@code ./runlaw} launcher,
 * surefire and failsafe set it), else the nearest directory at or above the working directory that holds
 * {@code sql/} and a {@code pom.xml} whose artifactId is {@code runlaw-parent} (so a module's own directory, where
 * IDEs run tests, works too). Nothing outside the root is ever looked up from here.
 */
public final class ProjectRoot {
    /** System property naming the project root. */
    public static final String PROPERTY = "runlaw.project.root";

    private ProjectRoot() {
    }

    /**
     * The project root.
     *
     * @throws IllegalStateException when {@value #PROPERTY} names a directory without {@code sql/}, or no root is
     *                               found at or above the working directory
     */
    public static Path find() {
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) {
            Path root = Path.of(prop).toAbsolutePath().normalize();
            if (!Files.isDirectory(root.resolve("sql"))) {
                throw new IllegalStateException(PROPERTY + "=" + prop + " has no sql/ directory");
            }
            return root;
        }
        return findAbove(Path.of(System.getProperty("user.dir")));
    }

    /** A path inside the project root, e.g. {@code resolve("dashboards/forecasts.json")}. */
    public static Path resolve(String relative) {
        return find().resolve(relative);
    }

    /** The nearest project root at or above {@code start}, ignoring {@value #PROPERTY}. */
    static Path findAbove(Path start) {
        Path from = start.toAbsolutePath().normalize();
        for (Path d = from; d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("sql")) && isParentPom(d.resolve("pom.xml"))) {
                return d;
            }
        }
        throw new IllegalStateException("no runlaw project root (sql/ next to the runlaw-parent pom.xml) at or "
                + "above " + from + "; set -D" + PROPERTY + "=<dir>");
    }

    private static boolean isParentPom(Path pom) {
        if (!Files.isRegularFile(pom)) {
            return false;
        }
        try {
            return Files.readString(pom).contains("<artifactId>runlaw-parent</artifactId>");
        } catch (IOException e) {
            return false;
        }
    }
}
