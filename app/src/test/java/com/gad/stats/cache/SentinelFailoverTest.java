package com.gad.stats.cache;


import com.gad.stats.support.OwnTopology;
import com.gad.stats.support.RedisTopology;
import com.gad.stats.support.TopologyServicesResource;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** A Sentinel failover to a replica that missed a write (master, replica, 3 sentinels of {@code deploy/redis/sentinel.sh}). */
@QuarkusTest
@TestProfile(SentinelFailoverTest.OnOwnSentinel.class)
public class SentinelFailoverTest extends FailoverContract {

    /** A Sentinel set of its own: this test kills its master. */
    public static class OnOwnSentinel extends OwnTopology.Sentinel {
    }

    @Override
    int[] masterAndReplicaOf(long user) {
        RedisTopology topology = TopologyServicesResource.topology();
        int master = topology.masterPort();
        int replica = topology.dataPorts().stream().filter(port -> port != master).findFirst().orElseThrow();
        return new int[] { master, replica };
    }

    @Override
    boolean promoted(int replica) {
        return TopologyServicesResource.topology().masterPort() == replica;
    }
}
