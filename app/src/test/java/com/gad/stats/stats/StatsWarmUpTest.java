package com.gad.stats.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.gad.stats.stats.service.StatsWarmUp;
import com.gad.stats.support.Api;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.RedisProbe;
import com.gad.stats.support.TestData;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class StatsWarmUpTest {

    @Inject
    StatsWarmUp warmUp;

    @Test
    void theMostActiveUsersAreCachedForEveryWindow() {
        // more tasks in the last days than any other test writes for one user
        long busiest = TestData.user(1);
        long second = TestData.user(1);
        for (int i = 0; i < 60; i++) {
            TestData.task(busiest, "finalizada", Duration.ofHours(i + 1));
        }
        for (int i = 0; i < 50; i++) {
            TestData.task(second, "programada", Duration.ofHours(i + 1));
        }

        Api.awaitChangesApplied();
        long computed = warmUp.warm(2, List.of(7, 30), 2).await().atMost(Duration.ofSeconds(30));

        assertEquals(4, computed, "2 users x 2 windows");
        for (long user : new long[] { busiest, second }) {
            assertNotNull(RedisProbe.call("GET", Api.statsKey(user, 7)), "7-day stats of user " + user);
            assertNotNull(RedisProbe.call("GET", Api.statsKey(user, 30)), "30-day stats of user " + user);
        }
    }
}
