package dev.runlaw.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away TLS identity for a server on 127.0.0.1, made by the JDK's own {@code keytool}: a PKCS12 key store
 * holding a self-signed RSA certificate for {@code localhost} / {@code 127.0.0.1} (subject alternative names, so
 * clients keep their default host name verification), a PKCS12 trust store holding only that certificate, and the
 * certificate and key as PEM files for servers that read those.
 *
 * <p>For tests of the pipeline's TLS connections: a server configured with {@link #keyStore()} is trusted by a
 * client given {@link #kafkaClientProperties()} and refused (handshake failure) by a client without them, since the
 * certificate is signed by no authority in the JDK's default trust store. {@code keytool} is used instead of a
 * certificate library because the JDK has no public API to sign a certificate.
 */
public final class SelfSignedTls {
    private static final long KEYTOOL_TIMEOUT_S = 60;

    private final Path keyStore;
    private final Path trustStore;
    private final Path certificatePem;
    private final Path privateKeyPem;
    private final String password;

    private SelfSignedTls(Path keyStore, Path trustStore, Path certificatePem, Path privateKeyPem, String password) {
        this.keyStore = keyStore;
        this.trustStore = trustStore;
        this.certificatePem = certificatePem;
        this.privateKeyPem = privateKeyPem;
        this.password = password;
    }

    /** Makes a new key pair, certificate, key store and trust store in {@code dir} (which must exist). */
    public static SelfSignedTls create(Path dir) {
        byte[] secret = new byte[12];
        new SecureRandom().nextBytes(secret);
        String password = HexFormat.of().formatHex(secret);
        Path keyStore = dir.resolve("server-keystore.p12");
        Path cert = dir.resolve("server.crt");
        Path trustStore = dir.resolve("truststore.p12");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", password);
        keytool("-exportcert", "-alias", "server", "-rfc", "-file", cert.toString(),
                "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", password);
        keytool("-importcert", "-noprompt", "-alias", "server", "-file", cert.toString(),
                "-storetype", "PKCS12", "-keystore", trustStore.toString(), "-storepass", password);
        Path key = dir.resolve("server.key");
        writePrivateKeyPem(keyStore, password, key);
        return new SelfSignedTls(keyStore, trustStore, cert, key, password);
    }

    /** The server's certificate as PEM (also what a client may trust as its root certificate). */
    public Path certificatePem() {
        return certificatePem;
    }

    /** The server's private key as unencrypted PKCS#8 PEM, for servers that read PEM files (ClickHouse). */
    public Path privateKeyPem() {
        return privateKeyPem;
    }

    /** The server's PKCS12 key store (its key and certificate). */
    public Path keyStore() {
        return keyStore;
    }

    /** A PKCS12 trust store holding the server's certificate only. */
    public Path trustStore() {
        return trustStore;
    }

    /** The password of both stores (and of the key). */
    public String password() {
        return password;
    }

    /** The Kafka client properties that make a client trust this server ({@code ssl.truststore.*}). */
    public Map<String, String> kafkaClientProperties() {
        return Map.of("ssl.truststore.location", trustStore.toString(),
                "ssl.truststore.password", password,
                "ssl.truststore.type", "PKCS12");
    }

    /** The Kafka broker properties of a listener {@code name} (lower case) that serves this identity. */
    public Map<String, String> kafkaListenerProperties(String name) {
        String prefix = "listener.name." + name + ".";
        return Map.of(prefix + "ssl.keystore.location", keyStore.toString(),
                prefix + "ssl.keystore.password", password,
                prefix + "ssl.key.password", password,
                prefix + "ssl.keystore.type", "PKCS12");
    }

    /* keytool cannot export a private key; the key store API can, as PKCS#8 DER, which PEM wraps in Base64. */
    private static void writePrivateKeyPem(Path keyStore, String password, Path out) {
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password.toCharArray());
            Key key = ks.getKey("server", password.toCharArray());
            String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(key.getEncoded());
            Files.writeString(out, "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the key from " + keyStore, e);
        }
    }

    private static void keytool(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(KEYTOOL_TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " did not finish in " + KEYTOOL_TIMEOUT_S + " s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("keytool " + args[0] + " failed (" + p.exitValue() + "): " + out.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }
}
