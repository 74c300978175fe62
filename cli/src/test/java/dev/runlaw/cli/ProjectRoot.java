package dev.runlaw.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the project root (the directory holding the parent pom and sql/) from a test's working directory. */
final class ProjectRoot {
    private ProjectRoot() {
    }

    static Path find() {
        String prop = System.getProperty("runlaw.project.root");
        if (prop != null && Files.isDirectory(Path.of(prop, "sql"))) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isDirectory(p.resolve("sql")) && Files.exists(p.resolve("docker-compose.yml"))) {
                return p;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("project root not found above " + Path.of("").toAbsolutePath());
    }
}
