package com.gad.stats.cache;

import static com.gad.stats.support.Api.getStats;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import com.gad.stats.auth.Roles;
import com.gad.stats.support.OwnTopology;
import com.gad.stats.support.Api;
import com.gad.stats.support.RedisProbe;
import com.gad.stats.support.RedisTopology;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;
import com.gad.stats.support.TopologyServicesResource;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * A Cluster replica that stops answering (a stopped process: its sockets accept, nothing replies)
 * serves no command of the cache, so the cache must not notice it. The cluster client's
 * {@code connect()} needs a socket to every node, replicas included: per command, every request
 * that needed a new socket to the silent replica waited for it and failed to PostgreSQL (docs/scale-out.md
 * "A silent node").
 */
@QuarkusTest
@TestProfile(ClusterSilentReplicaTest.OnOwnCluster.class)
public class ClusterSilentReplicaTest {

    /** Concurrent requests: more than the sockets a quiet pool holds to each node, so per-command connections would need new ones. */
    static final int CONCURRENCY = 48;
    static final int ROUNDS = 3;

    /** A Cluster of its own: this test stops one of its replicas. */
    public static class OnOwnCluster extends OwnTopology.Cluster {
    }

    @Test
    void aSilentReplicaChangesNothingForTheCache() throws Exception {
        RedisTopology topology = TopologyServicesResource.topology();
        long warm = TestData.user(1);
        getStats(Tokens.forUser(warm, Roles.EFECTIVO), warm, null).statusCode(200);
        getStats(Tokens.forUser(warm, Roles.EFECTIVO), warm, null).statusCode(200);
        int replica = aReplicaPort(topology);
        double errorsBefore = Api.metric("gad_cache_requests_total{result=\"error\"}");

        topology.signal(replica, "STOP");
        ExecutorService clients = Executors.newFixedThreadPool(CONCURRENCY);
        try {
            assertEquals('T', processState(topology.pid(replica)), "the replica's process is stopped");
            for (int round = 0; round < ROUNDS; round++) {
                List<Long> users = new ArrayList<>();
                for (int i = 0; i < CONCURRENCY; i++) {
                    users.add(TestData.user(1));
                }
                // each a miss: a GET, the lock, the write-back; then each again: a hit
                for (boolean expectHit : new boolean[] { false, true }) {
                    List<Future<JsonPath>> replies = new ArrayList<>();
                    for (long user : users) {
                        replies.add(clients.submit(() -> getStats(Tokens.forUser(user, Roles.EFECTIVO), user, null)
                                .statusCode(200).extract().jsonPath()));
                    }
                    for (Future<JsonPath> reply : replies) {
                        assertEquals(expectHit, reply.get().getBoolean("_cache.hit"), "round " + round + ": " + reply.get().prettify());
                    }
                }
            }
            assertEquals(errorsBefore, Api.metric("gad_cache_requests_total{result=\"error\"}"),
                    "no request met a Redis error while the replica was silent");
            assertEquals("closed", given().get("/q/health/ready").then().extract()
                    .jsonPath().getString("checks.find { it.name == 'redis-cache' }.data.circuit"));
            assertEquals('T', processState(topology.pid(replica)), "and the replica was still stopped at the end");
        } finally {
            clients.shutdownNow();
            topology.signal(replica, "CONT");
        }
    }

    private static int aReplicaPort(RedisTopology topology) {
        String nodes = new String((byte[]) RedisProbe.callAt(topology.clusterMasterPorts().get(0), "CLUSTER", "NODES"),
                java.nio.charset.StandardCharsets.UTF_8);
        String address = nodes.lines().map(line -> line.trim().split(" "))
                .filter(fields -> fields.length >= 8 && fields[2].contains("slave"))
                .findFirst().orElseThrow()[1].split("[@,]")[0];
        int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        assertTrue(topology.dataPorts().contains(port), "a replica of the test's own Cluster");
        return port;
    }

    /** The process state letter of {@code /proc/PID/stat}: T when stopped. */
    private static char processState(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
