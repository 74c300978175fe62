package dev.runlaw.producers.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The bearer tokens the gateway accepts, compared in constant time.
 *
 * <p>Only SHA-256 digests of the tokens are kept. A presented token is hashed and compared with
 * {@link MessageDigest#isEqual} against every known digest, without stopping at the first match, so neither the
 * position of a mismatching byte nor the length of a token nor which token matched shows in the timing.
 *
 * <p>Sources: a file with one token per line ({@code #} starts a comment line, blank lines ignored), and/or a
 * comma-separated list (the {@code RUNLAW_GATEWAY_TOKENS} environment variable). Tokens shorter than
 * {@value #MIN_LENGTH} characters are refused at start-up: a guessable token is worse than none, because it looks
 * like protection.
 */
public final class BearerTokens {
    /** Shortest token accepted. */
    public static final int MIN_LENGTH = 16;
    private final List<byte[]> digests;

    private BearerTokens(List<byte[]> digests) {
        this.digests = digests;
    }

    /** Tokens from a file (may be null) and a comma-separated list (may be null or blank). */
    public static BearerTokens load(Path file, String commaSeparated) {
        List<String> tokens = new ArrayList<>();
        if (file != null) {
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    String t = line.strip();
                    if (!t.isEmpty() && !t.startsWith("#")) {
                        tokens.add(t);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read token file " + file, e);
            }
        }
        if (commaSeparated != null) {
            for (String t : commaSeparated.split(",")) {
                if (!t.isBlank()) {
                    tokens.add(t.strip());
                }
            }
        }
        return of(tokens);
    }

    /** Exactly these tokens. */
    public static BearerTokens of(List<String> tokens) {
        List<byte[]> d = new ArrayList<>();
        for (String t : tokens) {
            if (t.length() < MIN_LENGTH) {
                throw new IllegalArgumentException("a gateway token must have at least " + MIN_LENGTH
                        + " characters (one has " + t.length() + ")");
            }
            d.add(sha256(t));
        }
        return new BearerTokens(List.copyOf(d));
    }

    /** How many tokens are known; 0 means every request is refused (unless auth is disabled). */
    public int size() {
        return digests.size();
    }

    /**
     * Whether an {@code Authorization} header value ({@code Bearer <token>}) carries a known token.
     * {@code null} or any other scheme is refused.
     */
    public boolean acceptsHeader(String authorization) {
        if (authorization == null || authorization.length() < 7
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return accepts(authorization.substring(7).strip());
    }

    /** Whether {@code token} is known; constant time in the token's content and in which token matched. */
    public boolean accepts(String token) {
        byte[] d = sha256(token);
        boolean ok = false;
        for (byte[] known : digests) {
            ok |= MessageDigest.isEqual(known, d);
        }
        return ok;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
