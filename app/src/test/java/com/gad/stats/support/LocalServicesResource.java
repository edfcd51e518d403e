package com.gad.stats.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

import com.gad.stats.localservices.LocalPostgres;
import com.gad.stats.localservices.LocalRedis;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Real PostgreSQL and Redis for the test suite: a fresh database (dropped at the end) on the
 * machine's PostgreSQL or an embedded one, and a Redis process owned by the tests. The service
 * reaches both through {@link TcpProxy}s the tests can cut, so fault tests break only what they own.
 */
public class LocalServicesResource implements QuarkusTestResourceLifecycleManager {

    private static LocalPostgres postgres;
    private static LocalRedis redis;
    private static TcpProxy postgresProxy;
    private static TcpProxy listenerProxy;
    private static TcpProxy redisProxy;
    private static Map<String, String> config;

    @Override
    public Map<String, String> start() {
        postgres = LocalPostgres.start("gad_stats_test_" + ProcessHandle.current().pid() + "_" + System.currentTimeMillis(), true);
        redis = LocalRedis.startOnFreePort();
        try {
            postgresProxy = new TcpProxy(postgres.host(), postgres.port());
            listenerProxy = new TcpProxy(postgres.host(), postgres.port());
            redisProxy = new TcpProxy("127.0.0.1", redis.port());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String pg = "127.0.0.1:" + postgresProxy.port() + "/" + postgres.database();
        config = Map.ofEntries(
                Map.entry("quarkus.datasource.reactive.url", "postgresql://" + pg),
                Map.entry("quarkus.datasource.jdbc.url", "jdbc:postgresql://" + pg),
                Map.entry("quarkus.datasource.username", postgres.user()),
                // the database change listener has a proxy of its own, so tests can cut it alone
                Map.entry("gad.invalidation.url", "postgresql://127.0.0.1:" + listenerProxy.port() + "/" + postgres.database()),
                Map.entry("quarkus.redis.hosts", "redis://127.0.0.1:" + redisProxy.port()),
                // The packaged application of the *IT tests runs in the prod profile: it gets here what
                // the test profile sets in application.properties (keys, migrations, admin).
                Map.entry("mp.jwt.verify.publickey.location", testResource("publicKey.pem")),
                Map.entry("smallrye.jwt.sign.key.location", testResource("privateKey.pem")),
                Map.entry("quarkus.datasource.migrations.active", "true"),
                Map.entry("gad.auth.bootstrap-admin-email", "bootstrap-admin@gad.test"),
                Map.entry("gad.auth.bootstrap-admin-password", "bootstrap-Passw0rd"));
        return config;
    }

    /** A file of the test resources, by absolute path (the packaged application reads it from disk). */
    private static String testResource(String name) {
        try {
            return Path.of(LocalServicesResource.class.getClassLoader().getResource(name).toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        if (postgresProxy != null) {
            postgresProxy.close();
        }
        if (listenerProxy != null) {
            listenerProxy.close();
        }
        if (redisProxy != null) {
            redisProxy.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    /** What the service under test was configured with (to start another instance like it). */
    public static Map<String, String> config() {
        return config;
    }

    public static LocalPostgres postgres() {
        return postgres;
    }

    public static LocalRedis redis() {
        return redis;
    }

    public static TcpProxy postgresProxy() {
        return postgresProxy;
    }

    /** Between the service's database change listener (LISTEN connection) and PostgreSQL. */
    public static TcpProxy listenerProxy() {
        return listenerProxy;
    }

    public static TcpProxy redisProxy() {
        return redisProxy;
    }
}
