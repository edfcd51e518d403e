package com.gad.stats.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntSupplier;

import com.gad.stats.localservices.LocalPostgres;
import com.gad.stats.localservices.LocalRedis;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Real PostgreSQL and Redis for the test suite: a fresh database (dropped at the end) on the
 * machine's PostgreSQL or an embedded one, and a Redis process owned by the tests. The service
 * reaches both through {@link TcpProxy}s the tests can cut, so fault tests break only what they own.
 * Subclasses replace the standalone Redis with another topology ({@link #startRedis()}).
 */
public class LocalServicesResource implements QuarkusTestResourceLifecycleManager {

    private static LocalPostgres postgres;
    private static LocalRedis redis;
    private static TcpProxy postgresProxy;
    private static TcpProxy redisProxy;
    private static volatile IntSupplier probePort;

    @Override
    public Map<String, String> start() {
        postgres = LocalPostgres.start("gad_stats_test_" + ProcessHandle.current().pid() + "_" + System.currentTimeMillis(), true);
        try {
            postgresProxy = new TcpProxy(postgres.host(), postgres.port());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String pg = "127.0.0.1:" + postgresProxy.port() + "/" + postgres.database();
        Map<String, String> config = new HashMap<>(Map.of(
                "quarkus.datasource.reactive.url", "postgresql://" + pg,
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://" + pg,
                "quarkus.datasource.username", postgres.user(),
                // The packaged application of the *IT tests runs in the prod profile: it gets here what
                // the test profile sets in application.properties (keys, migrations, admin).
                "mp.jwt.verify.publickey.location", testResource("publicKey.pem"),
                "smallrye.jwt.sign.key.location", testResource("privateKey.pem"),
                "quarkus.datasource.migrations.active", "true",
                "gad.auth.bootstrap-admin-email", "bootstrap-admin@gad.test",
                "gad.auth.bootstrap-admin-password", "bootstrap-Passw0rd"));
        config.putAll(startRedis());
        return config;
    }

    /**
     * Starts the Redis the service uses and returns its {@code quarkus.redis.*} settings: here a
     * standalone Redis behind a proxy the fault tests can cut.
     */
    protected Map<String, String> startRedis() {
        redis = LocalRedis.startOnFreePort();
        try {
            redisProxy = new TcpProxy("127.0.0.1", redis.port());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        useProbePort(redis::port);
        return Map.of("quarkus.redis.hosts", "redis://127.0.0.1:" + redisProxy.port());
    }

    protected void stopRedis() {
        if (redisProxy != null) {
            redisProxy.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    /** Where {@link RedisProbe} sends its commands (a node that answers or redirects them). */
    protected static void useProbePort(IntSupplier port) {
        probePort = port;
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
        stopRedis();
        if (postgres != null) {
            postgres.close();
        }
    }

    public static LocalPostgres postgres() {
        return postgres;
    }

    public static LocalRedis redis() {
        return redis;
    }

    public static int probePort() {
        return probePort.getAsInt();
    }

    public static TcpProxy postgresProxy() {
        return postgresProxy;
    }

    public static TcpProxy redisProxy() {
        return redisProxy;
    }
}
