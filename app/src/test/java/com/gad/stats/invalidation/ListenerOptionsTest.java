package com.gad.stats.invalidation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;

/**
 * The listening connection connects as the request pool does: the pool's server options, with its
 * TLS trust, are copied rather than rebuilt from {@code quarkus.datasource.*} (which lost them).
 */
class ListenerOptionsTest {

    static PgConnectOptions poolServer() {
        PgConnectOptions server = new PgConnectOptions()
                .setHost("db.internal").setPort(5432).setDatabase("gad")
                .setUser("gad").setPassword("secret")
                .setSslMode(SslMode.VERIFY_FULL);
        server.setTrustOptions(new PemTrustOptions().addCertPath("/etc/gad/db-ca.pem"));
        server.setHostnameVerificationAlgorithm("HTTPS");
        server.setProperties(new java.util.HashMap<>(Map.of("search_path", "gad")));
        return server;
    }

    @Test
    void withoutItsOwnUrlTheListenerConnectsExactlyAsThePool() {
        PgConnectOptions pool = poolServer();
        PgConnectOptions listener = DatabaseChangeListener.listenerOptions(pool, Optional.empty());

        assertEquals("db.internal", listener.getHost());
        assertEquals("gad", listener.getDatabase());
        assertEquals("gad", listener.getUser());
        assertEquals("secret", listener.getPassword());
        assertEquals(SslMode.VERIFY_FULL, listener.getSslMode());
        assertEquals(((PemTrustOptions) pool.getTrustOptions()).getCertPaths(),
                ((PemTrustOptions) listener.getTrustOptions()).getCertPaths(), "the pool's TLS trust is kept");
        assertEquals("HTTPS", listener.getHostnameVerificationAlgorithm());
        assertEquals("gad", listener.getProperties().get("search_path"));
        assertEquals(DatabaseChangeListener.APPLICATION_NAME, listener.getProperties().get("application_name"));
        assertEquals(DatabaseChangeListener.CHECK_TIMEOUT.toMillis(), listener.getConnectTimeout());
        assertTrue(pool.getProperties().get("application_name") == null, "the pool's own options are left alone");
    }

    @Test
    void itsOwnUrlMovesTheServerAndKeepsThePoolsTls() {
        PgConnectOptions listener = DatabaseChangeListener.listenerOptions(poolServer(),
                Optional.of("postgresql://primary.internal:6432/gad_main"));

        assertEquals("primary.internal", listener.getHost());
        assertEquals(6432, listener.getPort());
        assertEquals("gad_main", listener.getDatabase());
        assertEquals("gad", listener.getUser(), "the pool's credentials when the URL has none");
        assertEquals(SslMode.VERIFY_FULL, listener.getSslMode());
        assertEquals(1, ((PemTrustOptions) listener.getTrustOptions()).getCertPaths().size());
    }

    @Test
    void credentialsAndSslModeInItsUrlWin() {
        PgConnectOptions listener = DatabaseChangeListener.listenerOptions(poolServer(),
                Optional.of("vertx-reactive:postgresql://listener:pw@primary.internal:5432/gad?sslmode=require"));

        assertEquals("listener", listener.getUser());
        assertEquals("pw", listener.getPassword());
        assertSame(SslMode.REQUIRE, listener.getSslMode());
        assertEquals("/etc/gad/db-ca.pem", ((PemTrustOptions) listener.getTrustOptions()).getCertPaths().get(0));
    }
}
