package com.gad.stats.cache;

import static com.gad.stats.support.Api.getStats;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import com.gad.stats.auth.Roles;
import com.gad.stats.support.Api;
import com.gad.stats.support.RedisProbe;
import com.gad.stats.support.RedisTopology;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;
import com.gad.stats.support.TopologyServicesResource;

import io.restassured.path.json.JsonPath;

/**
 * A failover to a replica that missed an invalidation must not bring back the figures from before
 * the write (docs/failure-behaviour.md "Failover"), run on a real topology by each subclass.
 *
 * <p>The replica is made to miss what its master sends the way asynchronous replication does under
 * load: it is stopped (SIGSTOP) and the master is given more writes than the kernel's socket
 * buffers hold, so that what follows (the task write's invalidations) waits in the master's own
 * output buffer. The master is then killed (SIGKILL), which loses that buffer, the replica resumed
 * and promoted. The test checks each of these happened: the master's process is gone, the replica
 * is the master now, and it holds the user's generation from before the write next to the value.
 */
abstract class FailoverContract {

    /** What the documentation promises: no pre-write value later than this after the instance can see the new master. */
    static final Duration BOUND = Duration.ofSeconds(2);
    /** More than the loopback socket buffers of the replication link can hold (kernel receive and send buffers). */
    static final int JUNK_MEGABYTES = 96;

    @Inject
    CacheKeys keys;
    @Inject
    NearCache nearCache;

    /** The ports of the master that holds the user's keys and of its replica. */
    abstract int[] masterAndReplicaOf(long user);

    /** The topology itself (Sentinel or Cluster) says the node on {@code replica} is the master of its keys now. */
    abstract boolean promoted(int replica);

    private record Read(long startNanos, int status, int total, boolean hit, String source) {
        boolean preWrite() {
            return status == 200 && total == 0;
        }
    }

    @Test
    void aFailoverToAReplicaThatMissedAWriteBringsBackNoPreWriteFigures() {
        RedisTopology topology = TopologyServicesResource.topology();
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        getStats(token, user, null).statusCode(200).body("total", is(0));
        getStats(token, user, null).statusCode(200).body("_cache.hit", is(true)).body("total", is(0));
        if (nearCache.active()) {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                    .until(() -> "memory".equals(getStats(token, user, null).extract().path("_cache.source")));
        }
        int[] nodes = masterAndReplicaOf(user);
        int master = nodes[0];
        int replica = nodes[1];
        String generationKey = keys.generationKey(user);
        String valueKey = keys.valueKey(CacheKey.stats(user, 30));
        assertEquals(1L, RedisProbe.callAt(master, "WAIT", "1", "5000"), "the replica has the cached value");
        byte[] preWriteGeneration = (byte[]) RedisProbe.callAt(master, "GET", generationKey);
        double changesBefore = Api.metric("gad_cache_master_changes_total");

        topology.signal(replica, "STOP");
        try {
            byte[] junk = new byte[1 << 20];
            Arrays.fill(junk, (byte) 'x');
            for (int i = 0; i < JUNK_MEGABYTES; i++) {
                // the user's hash tag: on Cluster the junk goes to the same master as the user's keys
                RedisProbe.callAt(master, "SET", "failover-junk:{u" + user + "}:" + i, junk);
            }
            given().auth().oauth2(Tokens.forUser(TestData.user(2), Roles.SUPERVISOR)).contentType("application/json")
                    .body("{\"titulo\":\"Patrulla\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user + "}")
                    .when().post("/api/v1/tasks").then().statusCode(201);
            getStats(token, user, null).statusCode(200).body("total", is(1));
            // the database-driven invalidation of the write is applied too, before the master dies
            Api.awaitChangesApplied();
            topology.kill(master);
        } finally {
            topology.signal(replica, "CONT");
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> promoted(replica));
        long promotedAt = System.nanoTime();
        assertArrayEquals(preWriteGeneration, (byte[]) RedisProbe.callAt(replica, "GET", generationKey),
                "the promoted replica missed the write's invalidation (else this test proves nothing)");
        assertEquals(1L, RedisProbe.callAt(replica, "EXISTS", valueKey), "and holds the value from before the write");

        // reads until the service says it saw the new master
        List<Read> reads = new ArrayList<>();
        long[] sawAt = { -1 };
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
                reads.add(read(token, user));
                if (Api.metric("gad_cache_master_changes_total") > changesBefore) {
                    sawAt[0] = System.nanoTime();
                    return true;
                }
                return false;
            });
        } catch (ConditionTimeoutException e) {
            // judged below: the reads made meanwhile say what was served
        }
        // and then until one is answered from the cache again
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
            Read read = read(token, user);
            reads.add(read);
            return read.hit();
        });

        long firstHit = reads.stream().filter(Read::hit).mapToLong(Read::startNanos).findFirst().orElseThrow();
        List<String> late = reads.stream()
                .filter(read -> read.preWrite() && (read.startNanos() - firstHit > BOUND.toNanos()
                        || sawAt[0] >= 0 && read.startNanos() > sawAt[0]))
                .map(read -> String.format("%d ms after the promotion was seen: %s from %s",
                        TimeUnit.NANOSECONDS.toMillis(read.startNanos() - promotedAt), read.hit() ? "hit" : "miss", read.source()))
                .toList();
        System.out.printf("failover: promotion seen by the test, service saw the new master %d ms later; %d reads, %d with pre-write figures%n",
                sawAt[0] < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(sawAt[0] - promotedAt), reads.size(),
                reads.stream().filter(Read::preWrite).count());
        assertTrue(late.isEmpty(), late.size() + " of " + reads.size() + " reads served the figures from before the write "
                + "after the instance could see the new master (bound " + BOUND.toMillis() + " ms): " + late);
        assertTrue(sawAt[0] >= 0, "the service counted the master change (gad_cache_master_changes_total)");
        Read last = reads.get(reads.size() - 1);
        assertEquals(1, last.total(), "the figures after the failover include the write");
    }

    private static Read read(String token, long user) {
        long start = System.nanoTime();
        var response = getStats(token, user, null).extract();
        if (response.statusCode() != 200) {
            return new Read(start, response.statusCode(), -1, false, "none");
        }
        JsonPath body = response.jsonPath();
        return new Read(start, 200, body.getInt("total"), body.getBoolean("_cache.hit"), body.getString("_cache.source"));
    }
}
