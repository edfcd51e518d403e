package com.gad.stats.support;

import java.util.HashMap;
import java.util.Map;

/**
 * The suite's PostgreSQL with a real Redis Cluster or Sentinel set instead of the standalone
 * Redis, configured the way an operator would: {@code quarkus.redis.client-type}, hosts and, for
 * Sentinel, the master name and role. Nothing else differs from production settings.
 */
public abstract class TopologyServicesResource extends LocalServicesResource {

    private static RedisTopology topology;

    protected abstract RedisTopology.Kind kind();

    @Override
    protected Map<String, String> startRedis() {
        topology = RedisTopology.start(kind());
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.redis.hosts", topology.hosts());
        if (kind() == RedisTopology.Kind.CLUSTER) {
            config.put("quarkus.redis.client-type", "cluster");
        } else {
            config.put("quarkus.redis.client-type", "sentinel");
            config.put("quarkus.redis.master-name", RedisTopology.MASTER_NAME);
            config.put("quarkus.redis.role", "master");
        }
        int master = topology.masterPort();
        useProbePort(() -> master);
        return config;
    }

    @Override
    protected void stopRedis() {
        if (topology != null) {
            topology.close();
            topology = null;
        }
    }

    public static RedisTopology topology() {
        return topology;
    }

    public static class Cluster extends TopologyServicesResource {
        @Override
        protected RedisTopology.Kind kind() {
            return RedisTopology.Kind.CLUSTER;
        }
    }

    public static class Sentinel extends TopologyServicesResource {
        @Override
        protected RedisTopology.Kind kind() {
            return RedisTopology.Kind.SENTINEL;
        }
    }
}
