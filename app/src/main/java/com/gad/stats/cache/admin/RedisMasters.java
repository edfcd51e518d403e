package com.gad.stats.cache.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;


import com.gad.stats.cache.RedisGateway;
import com.gad.stats.cache.RedisTopology;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;

/**
 * The masters that hold the cache's keys, for the admin commands that must visit each of them
 * (SCAN, INFO). On standalone, Sentinel (role master) and replication the configured client
 * already talks to the one master. On Cluster, SCAN and INFO name no key, so the cluster client
 * would send them to one node picked at random: the masters are read from {@code CLUSTER NODES}
 * and each gets a short-lived client of its own ({@link RedisTopology#nodeClient}), closed when the
 * operation ends.
 */
@ApplicationScoped
public class RedisMasters {

    /** One master: an address for logs and a client whose commands reach that master only. */
    public record Master(String address, Redis client, boolean ownClient) {

        void release() {
            if (ownClient) {
                client.close();
            }
        }
    }

    private final Redis redis;
    private final RedisGateway gateway;
    private final Vertx vertx;
    private final RedisTopology topology;

    RedisMasters(Redis redis, RedisGateway gateway, Vertx vertx, RedisTopology topology) {
        this.redis = redis;
        this.gateway = gateway;
        this.vertx = vertx;
        this.topology = topology;
    }

    /**
     * Runs {@code work} on every master at once; the results in the masters' order. Fails when
     * any master fails: a SCAN that skipped a master would report too few keys or leave some behind.
     */
    public <T> Uni<List<T>> onEachMaster(Function<Master, Uni<T>> work) {
        return masters()
                .chain(masters -> Uni.join().all(masters.stream().map(work).toList()).andFailFast()
                        .onTermination().invoke(() -> masters.forEach(Master::release)));
    }

    private Uni<List<Master>> masters() {
        if (!topology.cluster()) {
            return Uni.createFrom().item(List.of(new Master("master", redis, false)));
        }
        return gateway.sendAdmin(Request.cmd(Command.CLUSTER).arg("NODES"))
                .map(reply -> clusterMasters(reply.toString(), topology.firstHostName()))
                .map(addresses -> addresses.stream()
                        .map(address -> new Master(address, nodeClient(address), true))
                        .toList());
    }

    private Redis nodeClient(String address) {
        return topology.nodeClient(vertx, address, 2, 16);
    }

    /**
     * The {@code host:port} of every master that owns slots, from a {@code CLUSTER NODES} reply. A
     * master that is down but still owns slots is kept (its keys cannot be skipped silently); one
     * that lost its slots to a promoted replica is not.
     */
    public static List<String> clusterMasters(String clusterNodes, String defaultHost) {
        List<String> masters = new ArrayList<>();
        for (String line : clusterNodes.split("\r?\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length < 9 || !List.of(fields[2].split(",")).contains("master") || !ownsSlots(fields)) {
                continue;
            }
            // ip:port@cport[,hostname]; an empty ip means "the host you reached me on"
            String address = fields[1].split("[@,]")[0];
            masters.add(address.startsWith(":") ? defaultHost + address : address);
        }
        if (masters.isEmpty()) {
            throw new IllegalStateException("CLUSTER NODES lists no master owning slots");
        }
        return masters;
    }

    private static boolean ownsSlots(String[] fields) {
        for (int i = 8; i < fields.length; i++) {
            // "[slot->-id]" / "[slot-<-id]" are migrations in progress, not ownership
            if (!fields[i].startsWith("[")) {
                return true;
            }
        }
        return false;
    }
}
