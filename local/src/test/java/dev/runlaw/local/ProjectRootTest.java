package dev.runlaw.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The project root lookup, on this checkout and on made-up directory trees. */
class ProjectRootTest {
    @TempDir
    Path tmp;

    @Test
    void findsThisCheckoutFromTheModuleDirectory() {
        Path root = ProjectRoot.find();
        assertThat(root.resolve("sql")).isDirectory();
        assertThat(root.resolve("dashboards")).isDirectory();
        assertThat(root.resolve("local/pom.xml")).isRegularFile();
        assertThat(ProjectRoot.resolve("sql")).isEqualTo(root.resolve("sql"));
    }

    @Test
    void walksUpToTheParentPomWithSqlAndSkipsLookAlikes() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("checkout"));
        Files.writeString(root.resolve("pom.xml"), "<project><artifactId>runlaw-parent</artifactId></project>");
        Files.createDirectories(root.resolve("sql"));
        // A module with its own sql/ but a module pom is not the root.
        Path module = Files.createDirectories(root.resolve("jobs/flink/sql"));
        Files.writeString(module.getParent().resolve("pom.xml"), "<project><artifactId>runlaw-jobs</artifactId>");
        assertThat(ProjectRoot.findAbove(module.getParent())).isEqualTo(root);
        assertThat(ProjectRoot.findAbove(root)).isEqualTo(root);
    }

    @Test
    void saysHowToSetTheRootWhenThereIsNone() {
        assertThatThrownBy(() -> ProjectRoot.findAbove(tmp)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no runlaw project root").hasMessageContaining("-D" + ProjectRoot.PROPERTY);
    }

    @Test
    void aPropertyWithoutSqlIsRefused() {
        String before = System.getProperty(ProjectRoot.PROPERTY);
        System.setProperty(ProjectRoot.PROPERTY, tmp.toString());
        try {
            assertThatThrownBy(ProjectRoot::find).hasMessageContaining("has no sql/ directory");
        } finally {
            if (before == null) {
                System.clearProperty(ProjectRoot.PROPERTY);
            } else {
                System.setProperty(ProjectRoot.PROPERTY, before);
            }
        }
    }
}
