package com.gad.stats.support;

import java.util.List;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Test profiles that give a test class a Redis topology of its own (and nothing of the shared
 * local services' Redis). Each class declares its own subclass: Quarkus starts one application, and
 * one topology, per profile class, so a class that breaks its topology breaks no other's.
 */
public final class OwnTopology {

    private OwnTopology() {
    }

    /** 3 masters + 3 replicas ({@code deploy/redis/cluster.sh}). */
    public abstract static class Cluster extends Of {
        protected Cluster() {
            super(TopologyServicesResource.Cluster.class);
        }
    }

    /** Master, replica and three sentinels ({@code deploy/redis/sentinel.sh}). */
    public abstract static class Sentinel extends Of {
        protected Sentinel() {
            super(TopologyServicesResource.Sentinel.class);
        }
    }

    /** The topology {@code resource} starts, and none of the shared local services' Redis. */
    private abstract static class Of implements QuarkusTestProfile {
        private final Class<? extends QuarkusTestResourceLifecycleManager> resource;

        Of(Class<? extends QuarkusTestResourceLifecycleManager> resource) {
            this.resource = resource;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(resource));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }
}
