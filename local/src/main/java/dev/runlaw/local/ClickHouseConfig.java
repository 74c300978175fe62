package dev.runlaw.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes config.xml and users.xml for a private ClickHouse server living entirely under one directory.
 *
 * <p>Kept to keys that ClickHouse 18.16 (Debian's package here) understands and that current releases still
 * accept ({@code <yandex>} is still read as the root element). Ports that a second instance would collide on
 * (interserver 9009, MySQL) are simply not configured, so the server does not open them; HTTPS only when asked for,
 * on its own free port, with the PEM files of a {@link SelfSignedTls} identity.
 */
final class ClickHouseConfig {

    private ClickHouseConfig() {
    }

    /**
     * Creates the server's directories under {@code dir} and returns the path of config.xml; with {@code tls} (else
     * null) the server also serves HTTPS on {@code httpsPort}.
     */
    static Path write(Path dir, int httpPort, int tcpPort, int httpsPort, SelfSignedTls tls) {
        try {
            for (String sub : new String[] {"data", "tmp", "user_files", "format_schemas", "log"}) {
                Files.createDirectories(dir.resolve(sub));
            }
            Path config = dir.resolve("config.xml");
            String xml = configXml(dir, httpPort, tcpPort);
            if (tls != null) {
                xml = xml.replace("</yandex>", httpsXml(httpsPort, tls) + "</yandex>");
            }
            Files.writeString(config, xml);
            Files.writeString(dir.resolve("users.xml"), USERS_XML);
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write ClickHouse config under " + dir, e);
        }
    }

    static String configXml(Path dir, int httpPort, int tcpPort) {
        return """
                <?xml version="1.0"?>
                <yandex>
                    <logger>
                        <level>warning</level>
                        <log>%1$s/log/clickhouse-server.log</log>
                        <errorlog>%1$s/log/clickhouse-server.err.log</errorlog>
                        <size>10M</size>
                        <count>2</count>
                    </logger>
                    <listen_host>127.0.0.1</listen_host>
                    <http_port>%2$d</http_port>
                    <tcp_port>%3$d</tcp_port>
                    <path>%1$s/data/</path>
                    <tmp_path>%1$s/tmp/</tmp_path>
                    <user_files_path>%1$s/user_files/</user_files_path>
                    <format_schema_path>%1$s/format_schemas/</format_schema_path>
                    <users_config>%1$s/users.xml</users_config>
                    <default_profile>default</default_profile>
                    <default_database>default</default_database>
                    <timezone>UTC</timezone>
                    <max_concurrent_queries>100</max_concurrent_queries>
                    <!-- Caches are allocated on demand, but keep test servers small anyway. -->
                    <mark_cache_size>268435456</mark_cache_size>
                    <uncompressed_cache_size>268435456</uncompressed_cache_size>
                    <mlock_executable>false</mlock_executable>
                    <!-- The packaged default. A SIGTERM waits for idle keep-alive connections to time out, so
                         a longer value slows close(); a shorter one makes clients hit closed connections. -->
                    <keep_alive_timeout>3</keep_alive_timeout>
                </yandex>
                """.formatted(xmlEscape(dir.toAbsolutePath().toString()), httpPort, tcpPort);
    }

    /**
     * An HTTPS port with the identity's PEM certificate and key. The server asks clients for no certificate
     * ({@code verificationMode none}); SSLv2 and SSLv3 are off.
     */
    static String httpsXml(int httpsPort, SelfSignedTls tls) {
        return """
                    <https_port>%1$d</https_port>
                    <openSSL>
                        <server>
                            <certificateFile>%2$s</certificateFile>
                            <privateKeyFile>%3$s</privateKeyFile>
                            <verificationMode>none</verificationMode>
                            <loadDefaultCAFile>false</loadDefaultCAFile>
                            <cacheSessions>true</cacheSessions>
                            <disableProtocols>sslv2,sslv3</disableProtocols>
                            <preferServerCiphers>true</preferServerCiphers>
                        </server>
                    </openSSL>
                """.formatted(httpsPort, xmlEscape(tls.certificatePem().toAbsolutePath().toString()),
                xmlEscape(tls.privateKeyPem().toAbsolutePath().toString()));
    }

    /**
     * One passwordless {@code default} user reachable from loopback only. LowCardinality is enabled in the
     * server profile because 18.16 refuses it otherwise and clients must not send that setting themselves.
     */
    static final String USERS_XML = """
            <?xml version="1.0"?>
            <yandex>
                <profiles>
                    <default>
                        <max_memory_usage>10000000000</max_memory_usage>
                        <use_uncompressed_cache>0</use_uncompressed_cache>
                        <load_balancing>random</load_balancing>
                        <allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type>
                    </default>
                </profiles>
                <users>
                    <default>
                        <password></password>
                        <networks>
                            <ip>127.0.0.1</ip>
                            <ip>::1</ip>
                        </networks>
                        <profile>default</profile>
                        <quota>default</quota>
                    </default>
                </users>
                <quotas>
                    <default>
                        <interval>
                            <duration>3600</duration>
                            <queries>0</queries>
                            <errors>0</errors>
                            <result_rows>0</result_rows>
                            <read_rows>0</read_rows>
                            <execution_time>0</execution_time>
                        </interval>
                    </default>
                </quotas>
            </yandex>
            """;

    private static String xmlEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
