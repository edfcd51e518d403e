package com.gad.stats.cache;

import java.util.List;
import java.util.Set;

import com.gad.stats.support.TopologyServicesResource;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The cache on a real Sentinel set: master, replica, 3 sentinels ({@code deploy/redis/sentinel.sh}). */
@QuarkusTest
@TestProfile(SentinelCacheTest.OnSentinel.class)
public class SentinelCacheTest extends TopologyCacheContract {

    public static class OnSentinel implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TopologyServicesResource.Sentinel.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    @Override
    Set<String> masterAddresses() {
        return Set.of("127.0.0.1:" + TopologyServicesResource.topology().masterPort());
    }
}
