package com.gad.stats.cache;

import static com.gad.stats.support.Api.getStats;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.gad.stats.auth.Roles;
import com.gad.stats.support.OwnTopology;
import com.gad.stats.support.RedisProbe;
import com.gad.stats.support.RedisTopology;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;
import com.gad.stats.support.TopologyServicesResource;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The cache on a real Sentinel set: master, replica, 3 sentinels ({@code deploy/redis/sentinel.sh}). */
@QuarkusTest
@TestProfile(SentinelCacheTest.OnSentinel.class)
public class SentinelCacheTest extends TopologyCacheContract {

    public static class OnSentinel extends OwnTopology.Sentinel {
    }

    @Override
    Set<String> masterAddresses() {
        return Set.of("127.0.0.1:" + TopologyServicesResource.topology().masterPort());
    }

    /**
     * After a failover the near cache stops answering within two link checks (its echo, written
     * where writes now go, no longer comes back while the link sits on the old master), and the
     * link made again tracks the new master: a change of the user's generation made there reaches it.
     */
    @Test
    void theNearCacheTracksTheNewMasterAfterAFailover() {
        RedisTopology topology = TopologyServicesResource.topology();
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        int oldMaster = topology.masterPort();
        String sentinel = topology.hosts().split(",")[0];
        RedisProbe.callAt(Integer.parseInt(sentinel.substring(sentinel.lastIndexOf(':') + 1)),
                "SENTINEL", "FAILOVER", RedisTopology.MASTER_NAME);
        await().atMost(Duration.ofSeconds(60)).until(() -> topology.masterPort() != oldMaster);
        int newMaster = topology.masterPort();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> "memory".equals(getStats(token, user, null).extract().path("_cache.source")));
        assertNotEquals(NearCache.LinkState.DOWN, nearCache.state());
        RedisProbe.callAt(newMaster, "SET", keys.generationKey(user), "changed-on-the-new-master");
        // the documented bound: a link left on the old master is found by its echo within two checks
        Duration twoChecks = InvalidationLink.LINK_CHECK.multipliedBy(2);
        await().atMost(twoChecks.plusMillis(500)).pollInterval(Duration.ofMillis(5))
                .until(() -> !"memory".equals(getStats(token, user, null).extract().path("_cache.source")));
        // (Redis or PostgreSQL answers from then on: what Redis holds after a failover is the data path's matter)

        // the link made again runs on the new master: its pushes arrive well within one check
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> "memory".equals(getStats(token, user, null).extract().path("_cache.source")));
        RedisProbe.callAt(newMaster, "SET", keys.generationKey(user), "changed-again-on-the-new-master");
        await().atMost(InvalidationLink.LINK_CHECK.dividedBy(2)).pollInterval(Duration.ofMillis(5))
                .until(() -> !"memory".equals(getStats(token, user, null).extract().path("_cache.source")));
    }
}
