package com.gad.stats.cache;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;

/**
 * The Redis deployment the client was configured for, read from Quarkus' own keys in this one
 * place ({@code quarkus.redis.client-type}, {@code hosts}, {@code password}): which kind it is, and
 * how to reach one node of it directly, which the cluster client cannot (one node's SCAN, INFO,
 * CLUSTER NODES or tracking connection).
 */
@Singleton
public class RedisTopology {

    private final RedisClientType type;
    private final URI firstHost;
    private final Optional<String> password;

    @Inject
    RedisTopology(@ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String clientType,
            @ConfigProperty(name = "quarkus.redis.hosts") Optional<List<String>> hosts,
            @ConfigProperty(name = "quarkus.redis.password") Optional<String> password) {
        this(RedisClientType.valueOf(clientType.trim().toUpperCase(Locale.ROOT)),
                hosts.filter(list -> !list.isEmpty()).map(list -> list.get(0)).orElse("redis://localhost:6379"), password);
    }

    public RedisTopology(RedisClientType type, String firstHost, Optional<String> password) {
        this.type = type;
        this.firstHost = URI.create(firstHost);
        this.password = password;
    }

    public boolean cluster() {
        return type == RedisClientType.CLUSTER;
    }

    public boolean sentinel() {
        return type == RedisClientType.SENTINEL;
    }

    /** The host of the first configured node: Cluster replies may leave a node's host empty, meaning this one. */
    public String firstHostName() {
        return firstHost.getHost();
    }

    /**
     * A standalone client of one node at {@code address} ({@code host:port}), with the scheme, user
     * and password of the first configured host. Other client settings (TLS trust, TCP options) are
     * not carried over.
     */
    public Redis nodeClient(Vertx vertx, String address, int poolSize, int poolWaiting) {
        String userInfo = firstHost.getRawUserInfo() == null ? "" : firstHost.getRawUserInfo() + "@";
        RedisOptions options = new RedisOptions()
                .setType(RedisClientType.STANDALONE)
                .setConnectionString(firstHost.getScheme() + "://" + userInfo + address)
                .setMaxPoolSize(poolSize)
                .setMaxPoolWaiting(poolWaiting);
        password.ifPresent(options::setPassword);
        return Redis.createClient(vertx, options);
    }
}
