package dev.runlaw.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BearerTokensTest {
    static final String A = "token-aaaaaaaaaaaaaaaa";
    static final String B = "token-bbbbbbbbbbbbbbbb";

    @Test
    void acceptsOnlyKnownTokensWithTheBearerScheme() {
        BearerTokens t = BearerTokens.of(List.of(A, B));
        assertThat(t.acceptsHeader("Bearer " + A)).isTrue();
        assertThat(t.acceptsHeader("bearer " + B)).isTrue();
        assertThat(t.acceptsHeader("Bearer " + A + "x")).isFalse();
        assertThat(t.acceptsHeader("Bearer " + A.substring(1))).isFalse();
        assertThat(t.acceptsHeader("Basic " + A)).isFalse();
        assertThat(t.acceptsHeader(A)).isFalse();
        assertThat(t.acceptsHeader("Bearer ")).isFalse();
        assertThat(t.acceptsHeader(null)).isFalse();
        assertThat(BearerTokens.of(List.of()).acceptsHeader("Bearer " + A)).isFalse();
    }

    @Test
    void readsTokensFromFileAndEnvironmentSkippingCommentsAndRefusesShortOnes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokens");
        Files.writeString(file, "# trainers\n" + A + "\n\n");
        BearerTokens t = BearerTokens.load(file, " " + B + " ,");
        assertThat(t.size()).isEqualTo(2);
        assertThat(t.accepts(A)).isTrue();
        assertThat(t.accepts(B)).isTrue();
        assertThatThrownBy(() -> BearerTokens.load(null, "short")).hasMessageContaining("at least 16");
        assertThatThrownBy(() -> BearerTokens.load(dir.resolve("missing"), null))
                .hasMessageContaining("cannot read token file");
    }

    @Test
    void configRequiresTokensUnlessAuthIsDisabledAndRefusesUnknownFlags() {
        assertThatThrownBy(() -> GatewayConfig.fromArgs(new String[] {"--bootstrap.servers", "k:9092"}, Map.of()))
                .hasMessageContaining("no bearer tokens");
        GatewayConfig c = GatewayConfig.fromArgs(new String[] {"--bootstrap.servers", "k:9092", "--port=0",
            "--max-body-bytes", "1000", "--limits.max-experts", "16"}, Map.of(GatewayConfig.TOKENS_ENV, A));
        assertThat(c.port()).isZero();
        assertThat(c.maxBodyBytes()).isEqualTo(1000);
        assertThat(c.limits().maxExperts()).isEqualTo(16);
        assertThat(c.toString()).doesNotContain(A);
        assertThat(GatewayConfig.fromArgs(new String[] {"--bootstrap.servers", "k:9092", "--no-auth"}, Map.of())
                .authDisabled()).isTrue();
        assertThatThrownBy(() -> GatewayConfig.fromArgs(new String[] {"--bootstrap.servers", "k", "--max-body", "1"},
                Map.of(GatewayConfig.TOKENS_ENV, A))).hasMessageContaining("Unknown option").hasMessageContaining("--max-body");
        assertThatThrownBy(() -> GatewayConfig.fromArgs(new String[] {"--no-auth"}, Map.of()))
                .hasMessageContaining("--bootstrap.servers is required");
        assertThatThrownBy(() -> GatewayConfig.fromArgs(new String[] {"--bootstrap.servers", "k", "--no-auth",
            "--max-batch-records", "0"}, Map.of())).hasMessageContaining("max-batch-records must be > 0");
    }
}
