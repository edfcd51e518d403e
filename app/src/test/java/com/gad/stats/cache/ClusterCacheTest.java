package com.gad.stats.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.gad.stats.support.OwnTopology;
import com.gad.stats.support.RedisProbe;
import com.gad.stats.support.TopologyServicesResource;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/** The cache on a real Redis Cluster of 3 masters and 3 replicas ({@code deploy/redis/cluster.sh}). */
@QuarkusTest
@TestProfile(ClusterCacheTest.OnCluster.class)
public class ClusterCacheTest extends TopologyCacheContract {

    public static class OnCluster extends OwnTopology.Cluster {
    }

    @Inject
    Redis redis;

    @Override
    Set<String> masterAddresses() {
        return TopologyServicesResource.topology().clusterMasterPorts().stream()
                .map(port -> "127.0.0.1:" + port)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Every multi-key command of the cache (MGET, EVAL) names keys of one user only: one slot, as Redis computes it. */
    @Test
    void everyKeyOfAUserHashesToOneSlotAndUsersSpreadOverTheMasters() {
        Set<Long> slots = new HashSet<>();
        for (long user = 1; user <= 200; user++) {
            long slot = slot(keys.generationKey(user));
            for (CacheKey key : List.of(CacheKey.stats(user, 7), CacheKey.stats(user, 30))) {
                assertEquals(slot, slot(keys.valueKey(key)), keys.valueKey(key));
                assertEquals(slot, slot(keys.lockKey(key)), keys.lockKey(key));
            }
            slots.add(slot);
        }
        assertEquals(200, slots.size(), "users do not pile onto one slot");
    }

    /**
     * Why the rule above matters: the Vert.x 4 cluster client splits a cross-slot MGET into one
     * MGET per slot and concatenates the replies in its own order, not in key order. A cache read
     * whose generation and value lived in two slots would mistake one for the other. This pins the
     * client's behaviour down; if a Vert.x upgrade keeps key order, the test says so.
     */
    @Test
    void aCrossSlotMgetThroughTheClusterClientLosesKeyOrder() {
        List<String> keysInDistinctSlots = new ArrayList<>();
        Set<Long> slotsSeen = new HashSet<>();
        for (int i = 0; keysInDistinctSlots.size() < 16; i++) {
            String key = "mget-order:{k" + i + "}";
            if (slotsSeen.add(slot(key))) {
                keysInDistinctSlots.add(key);
                RedisProbe.call("SET", key, key);
            }
        }
        Request mget = Request.cmd(Command.MGET);
        keysInDistinctSlots.forEach(mget::arg);

        Response reply = redis.send(mget).await().atMost(Duration.ofSeconds(5));

        List<String> values = new ArrayList<>();
        reply.forEach(value -> values.add(value.toString()));
        assertEquals(new TreeSet<>(keysInDistinctSlots), new TreeSet<>(values), "every value comes back");
        assertNotEquals(keysInDistinctSlots, values, "but not in key order");
    }

    private static long slot(String key) {
        return RedisProbe.integer("CLUSTER", "KEYSLOT", key);
    }
}
