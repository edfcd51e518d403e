package com.gad.stats.localservices;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.common.MapBackedConfigSource;

/**
 * Dev mode only ({@code ./mvnw quarkus:dev}): whatever is not configured through the environment
 * is provided locally, so the service runs on a machine with only a JDK. PostgreSQL and Redis come
 * from {@link LocalPostgres}/{@link LocalRedis}; JWT keys are generated once into target/dev-keys.
 * Quarkus Dev Services would do this with containers, which our machines cannot run.
 *
 * <p>Its ordinal (275) sits above application.properties and below environment variables and
 * system properties, so anything set there wins.
 */
public class LocalServicesConfigFactory implements ConfigSourceFactory {

    /**
     * Dev mode builds its configuration in several class loaders (augmentation, runtime, again on
     * every live reload), each with its own copy of this class: what was started is remembered
     * JVM-wide, in this system property, so they all share one set of servers. Not a key of any
     * configuration root.
     */
    private static final String STARTED = "gad-stats-local-services.started";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (!context.getProfiles().contains("dev")) {
            return List.of();
        }
        return List.of(new MapBackedConfigSource("gad-local-services", localConfig(), 275) {
        });
    }

    private static synchronized Map<String, String> localConfig() {
        String started = System.getProperty(STARTED);
        if (started != null) {
            return decode(started);
        }
        Map<String, String> config = new HashMap<>();
        if (unset("QUARKUS_DATASOURCE_REACTIVE_URL") && unset("DB_HOST")) {
            LocalPostgres pg = LocalPostgres.start("gad_stats_dev", false);
            Runtime.getRuntime().addShutdownHook(new Thread(pg::close));
            config.put("quarkus.datasource.reactive.url", pg.reactiveUrl());
            config.put("quarkus.datasource.jdbc.url", pg.jdbcUrl());
            config.put("quarkus.datasource.username", pg.user());
            log("PostgreSQL: " + pg.jdbcUrl());
        }
        if (unset("QUARKUS_REDIS_HOSTS") && unset("REDIS_HOST")) {
            String url;
            if (LocalPostgres.answers("127.0.0.1", 6379)) {
                url = "redis://127.0.0.1:6379";
            } else {
                LocalRedis redis = LocalRedis.startOnFreePort();
                Runtime.getRuntime().addShutdownHook(new Thread(redis::close));
                url = redis.url();
            }
            config.put("quarkus.redis.hosts", url);
            log("Redis: " + url);
        }
        if (unset("MP_JWT_VERIFY_PUBLICKEY_LOCATION") && unset("SMALLRYE_JWT_SIGN_KEY_LOCATION")) {
            Path dir = Path.of("target", "dev-keys");
            ensureKeyPair(dir);
            config.put("mp.jwt.verify.publickey.location", dir.resolve("publicKey.pem").toAbsolutePath().toString());
            config.put("smallrye.jwt.sign.key.location", dir.resolve("privateKey.pem").toAbsolutePath().toString());
        }
        System.setProperty(STARTED, encode(config));
        return config;
    }

    private static String encode(Map<String, String> config) {
        StringBuilder lines = new StringBuilder();
        config.forEach((key, value) -> lines.append(key).append('=').append(value).append('\n'));
        return lines.toString();
    }

    private static Map<String, String> decode(String lines) {
        Map<String, String> config = new HashMap<>();
        for (String line : lines.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                config.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return config;
    }

    private static void ensureKeyPair(Path dir) {
        Path privateKey = dir.resolve("privateKey.pem");
        Path publicKey = dir.resolve("publicKey.pem");
        if (Files.exists(privateKey) && Files.exists(publicKey)) {
            return;
        }
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            Files.createDirectories(dir);
            Files.writeString(privateKey, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            Files.writeString(publicKey, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static boolean unset(String env) {
        String value = System.getenv(env);
        return value == null || value.isBlank();
    }

    private static void log(String message) {
        System.out.println("[gad-stats local services] " + message);
    }
}
