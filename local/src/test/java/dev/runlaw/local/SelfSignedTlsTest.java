package dev.runlaw.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfSignedTlsTest {

    @Test
    void storesAndPemFilesHoldOneIdentityForLoopback(@TempDir Path dir) throws Exception {
        SelfSignedTls tls = SelfSignedTls.create(dir);
        assertThat(tls.password()).hasSize(24); // 96 random bits, new per identity

        KeyStore trust = load(tls.trustStore(), tls.password());
        X509Certificate cert = (X509Certificate) trust.getCertificate("server");
        assertThat(cert).isNotNull();
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
        // Host name verification of Kafka and HTTPS clients needs the address in the subject alternative names.
        assertThat(cert.getSubjectAlternativeNames()).contains(List.of(7, "127.0.0.1"), List.of(2, "localhost"));
        assertThat(load(tls.keyStore(), tls.password()).getCertificate("server")).isEqualTo(cert);

        // The PEM key is the certificate's key: a signature made with it verifies against the certificate.
        String pem = Files.readString(tls.privateKeyPem());
        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        byte[] data = "runlaw".getBytes();
        Signature sign = Signature.getInstance("SHA256withRSA");
        sign.initSign(key);
        sign.update(data);
        byte[] signature = sign.sign();
        Signature verify = Signature.getInstance("SHA256withRSA");
        verify.initVerify(cert);
        verify.update(data);
        assertThat(verify.verify(signature)).isTrue();
        assertThat(Files.readString(tls.certificatePem())).startsWith("-----BEGIN CERTIFICATE-----");

        Map<String, String> client = tls.kafkaClientProperties();
        assertThat(client).containsEntry("ssl.truststore.location", tls.trustStore().toString())
                .containsEntry("ssl.truststore.password", tls.password());
        assertThat(tls.kafkaListenerProperties("sasl"))
                .containsEntry("listener.name.sasl.ssl.keystore.location", tls.keyStore().toString());
    }

    private static KeyStore load(Path file, String password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password.toCharArray());
        }
        return ks;
    }
}
