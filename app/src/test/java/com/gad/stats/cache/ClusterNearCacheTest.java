package com.gad.stats.cache;

import static com.gad.stats.support.Api.getStats;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.benmanes.caffeine.cache.Ticker;
import com.gad.stats.auth.Roles;
import com.gad.stats.config.GadConfig;
import com.gad.stats.support.OwnTopology;
import com.gad.stats.support.RedisProbe;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;
import com.gad.stats.support.TopologyServicesResource;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.redis.client.RedisClientType;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;

/**
 * The near cache on a real Redis Cluster of 3 masters and 3 replicas of its own (this class moves
 * slots and promotes replicas), production settings, two instances: the service (A) and a second
 * pipeline built here (B) with its own near cache and links to every master. The cases of
 * {@code NearCacheLinkTest} with a user on each master, then the topology changes: a slot moved
 * and a replica promoted each flush the near cache, which serves again once every master is linked.
 */
@QuarkusTest
@TestProfile(ClusterNearCacheTest.OwnCluster.class)
public class ClusterNearCacheTest {

    public static class OwnCluster extends OwnTopology.Cluster {
    }

    @Inject
    CacheStore store;
    @Inject
    CacheKeys keys;
    @Inject
    CacheEpoch epoch;
    @Inject
    Pause pause;
    @Inject
    DatabaseFallback fallback;
    @Inject
    GadConfig config;
    @Inject
    Redis redis;
    @Inject
    Vertx vertx;
    /** The service's Redis connection, through which instance B writes its echoes too. */
    @Inject
    RedisConnections commands;
    @Inject
    MeterRegistry registryOfA;

    NearCache nearCacheOfB;
    SimpleMeterRegistry registryOfB;
    ClusterInvalidationLinks linksOfB;
    final AtomicInteger loads = new AtomicInteger();

    @BeforeEach
    void startInstanceB() {
        registryOfB = new SimpleMeterRegistry();
        nearCacheOfB = new NearCache(config.cache().l1(), Optional.empty(), epoch, registryOfB, Ticker.systemTicker());
        linksOfB = new ClusterInvalidationLinks(commands, nearCacheOfB, keys, vertx, new RedisTopology(RedisClientType.CLUSTER,
                TopologyServicesResource.topology().hosts().split(",")[0], Optional.empty()));
        linksOfB.start();
        await().atMost(Duration.ofSeconds(10)).until(linksOfB::up);
        await().atMost(Duration.ofSeconds(10)).until(() -> linkStateOfA() == NearCache.LinkState.UP.code);
    }

    @AfterEach
    void stopInstanceB() {
        linksOfB.stop();
    }

    // --- the consistency cases, one user on each master ---

    @Test
    void readsOfUsersOnEveryMasterAreServedFromMemory() {
        Map<Integer, Long> users = userOnEachMaster();
        assertEquals(3, users.size());
        users.values().forEach(user -> {
            String token = Tokens.forUser(user, Roles.EFECTIVO);
            getStats(token, user, null).statusCode(200);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> "memory".equals(getStats(token, user, null).statusCode(200).extract().path("_cache.source")));
        });
    }

    @Test
    void aWriteThroughTheOtherInstanceReachesThisOnesNearCache() {
        for (long user : userOnEachMaster().values()) {
            CacheAside b = cachedInB(user);
            given().auth().oauth2(Tokens.forUser(TestData.user(2), Roles.SUPERVISOR)).contentType("application/json")
                    .body("{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user + "}")
                    .when().post("/api/v1/tasks").then().statusCode(201);
            awaitNotInMemory(b, user);
        }
    }

    @Test
    void theInvalidateEndpointReachesIt() {
        for (long user : userOnEachMaster().values()) {
            CacheAside b = cachedInB(user);
            given().auth().oauth2(Tokens.forUser(user, Roles.EFECTIVO))
                    .when().post("/api/v1/stats/invalidate/user/" + user).then().statusCode(200);
            awaitNotInMemory(b, user);
        }
    }

    @Test
    void aChangeMadeInTheDatabaseReachesIt() {
        for (long user : userOnEachMaster().values()) {
            long[] task = new long[1];
            TestData.unnotified(() -> task[0] = TestData.task(user, "programada", Duration.ofHours(1)));
            CacheAside b = cachedInB(user);
            TestData.execute("UPDATE tareas SET deleted_at = now() WHERE id = " + task[0]);
            awaitNotInMemory(b, user);
        }
    }

    /**
     * The lost-link rule, one master at a time: its tracking connections are killed and a write
     * follows at once; nothing is served from memory (users of the other masters included) until
     * every link is back, and the write is seen.
     */
    @Test
    void aKilledTrackingConnectionFlushesAndBypassesUntilItIsBack() {
        Map<Integer, Long> users = userOnEachMaster();
        for (Map.Entry<Integer, Long> onMaster : users.entrySet()) {
            long user = onMaster.getValue();
            long bystander = users.values().stream().filter(other -> other != user).findFirst().orElseThrow(); // on another master
            CacheAside b = cachedInB(user);
            cachedInB(bystander);
            double flushes = flushesOfB();

            List<Long> killed = trackingConnections(onMaster.getKey());
            assertTrue(killed.size() >= 2, "A's and B's tracking connections on " + onMaster.getKey() + ": " + killed);
            killed.forEach(id -> RedisProbe.callAt(onMaster.getKey(), "CLIENT", "KILL", "ID", id));
            RedisProbe.call("SET", keys.generationKey(user), "changed-while-the-link-was-down");
            assertTrue(trackingConnections(onMaster.getKey()).stream().noneMatch(killed::contains), "the connections are gone");

            await().atMost(Duration.ofSeconds(2)).until(() -> flushesOfB() > flushes);
            assertEquals(CacheOutcome.STALE, read(b, user), "the write made meanwhile is seen, not the copy in memory");
            List<CacheOutcome> whileDown = new ArrayList<>();
            while (nearCacheOfB.state() != NearCache.LinkState.UP) {
                CacheOutcome outcome = read(b, bystander);
                if (nearCacheOfB.state() != NearCache.LinkState.UP) {
                    whileDown.add(outcome); // a read wholly inside the outage
                }
            }
            whileDown.forEach(outcome -> assertNotEquals(CacheOutcome.MEMORY_HIT, outcome, "the other masters' users too are read from Redis"));
            await().atMost(Duration.ofSeconds(10)).until(() -> read(b, user) == CacheOutcome.MEMORY_HIT);
            RedisProbe.call("SET", keys.generationKey(user), "after-the-link-is-back");
            awaitNotInMemory(b, user);
            await().atMost(Duration.ofSeconds(10)).until(() -> linkStateOfA() == NearCache.LinkState.UP.code);
        }
    }

    // --- topology changes ---

    /** The user's slot moves to another master (SETSLOT, MIGRATE): flushed, then linked on the new map. */
    @Test
    void aSlotMovedToAnotherMasterFlushesAndTheLinksAreMadeOnTheNewMap() {
        Map<Integer, Long> users = userOnEachMaster();
        List<Integer> masters = new ArrayList<>(users.keySet());
        int from = masters.get(0);
        int to = masters.get(1);
        long user = users.get(from);
        int slot = slotOf(keys.generationKey(user));
        CacheAside b = cachedInB(user);
        String token = servedFromMemoryByA(user);
        double flushesA = flushesOfA();
        double flushesB = flushesOfB();

        moveSlot(slot, from, to, masters);
        assertEquals(to, ownerOf(slot, from), "the slot moved");
        assertEquals(to, ownerOf(slot, to));
        long moved = System.nanoTime();

        awaitFlushedThenServedAgain(b, user, token, flushesA, flushesB, moved, "slot moved");
    }

    /** A replica takes over its master (CLUSTER FAILOVER): flushed, then linked with the new master. */
    @Test
    void aReplicaPromotedByFailoverFlushesAndTheNewMasterIsLinked() {
        Map<Integer, Long> users = userOnEachMaster();
        int master = users.keySet().iterator().next();
        long user = users.get(master);
        int replica = replicaOf(master);
        CacheAside b = cachedInB(user);
        String token = servedFromMemoryByA(user);
        double flushesA = flushesOfA();
        double flushesB = flushesOfB();

        assertEquals("OK", RedisProbe.callAt(replica, "CLUSTER", "FAILOVER"));
        await().atMost(Duration.ofSeconds(30)).until(() -> "master".equals(role(replica)) && ownerOf(slotOf(keys.generationKey(user)), replica) == replica);
        assertEquals("slave", role(master), "the old master is a replica now");
        long promoted = System.nanoTime();

        awaitFlushedThenServedAgain(b, user, token, flushesA, flushesB, promoted, "replica promoted");
        // both instances track on the promoted node now, and no longer on the demoted one
        await().atMost(Duration.ofSeconds(10))
                .until(() -> trackingConnections(replica).size() >= 2 && trackingConnections(master).isEmpty());
    }

    /**
     * After a topology change both instances flush (no entry read before is served), serve from
     * memory again once every master is linked, and a write then reaches B through the new map.
     */
    void awaitFlushedThenServedAgain(CacheAside b, long user, String token, double flushesA, double flushesB, long changed, String what) {
        Duration twoChecks = InvalidationLink.LINK_CHECK.multipliedBy(2).plusMillis(500);
        await().atMost(twoChecks).pollInterval(Duration.ofMillis(10)).until(() -> flushesOfB() > flushesB && flushesOfA() > flushesA);
        System.out.printf("%s: both near caches flushed after %d ms%n", what, (System.nanoTime() - changed) / 1_000_000);
        assertNotEquals(CacheOutcome.MEMORY_HIT, read(b, user), "the entry read before the change is gone");

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> read(b, user) == CacheOutcome.MEMORY_HIT);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> "memory".equals(getStats(token, user, null).statusCode(200).extract().path("_cache.source")));
        System.out.printf("%s: memory hits on both instances again after %d ms%n", what, (System.nanoTime() - changed) / 1_000_000);
        assertTrue(linksOfB.up());

        given().auth().oauth2(Tokens.forUser(TestData.user(2), Roles.SUPERVISOR)).contentType("application/json")
                .body("{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user + "}")
                .when().post("/api/v1/tasks").then().statusCode(201);
        awaitNotInMemory(b, user);
    }

    // --- instance B ---

    CacheAside instanceB() {
        CacheMetrics metrics = new CacheMetrics(new SimpleMeterRegistry());
        return new CacheAside(store, keys, metrics, epoch, pause, fallback, config, nearCacheOfB,
                new RefreshAhead(store, metrics, epoch, nearCacheOfB, config));
    }

    /** A value only B reads (A's statistics never ask for 999 days). */
    static CacheKey keyOf(long user) {
        return CacheKey.stats(user, 999);
    }

    Supplier<Uni<byte[]>> loader() {
        return () -> Uni.createFrom().item(() -> ("{\"load\":" + loads.incrementAndGet() + "}").getBytes(StandardCharsets.UTF_8));
    }

    CacheOutcome read(CacheAside instance, long user) {
        return instance.get(keyOf(user), loader()).await().atMost(Duration.ofSeconds(5)).info().outcome();
    }

    CacheAside cachedInB(long user) {
        CacheAside b = instanceB();
        read(b, user);
        await().atMost(Duration.ofSeconds(10)).until(() -> read(b, user) == CacheOutcome.MEMORY_HIT);
        return b;
    }

    void awaitNotInMemory(CacheAside b, long user) {
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(2))
                .until(() -> read(b, user) == CacheOutcome.STALE);
    }

    static String servedFromMemoryByA(long user) {
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        getStats(token, user, null).statusCode(200);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "memory".equals(getStats(token, user, null).statusCode(200).extract().path("_cache.source")));
        return token;
    }

    double flushesOfB() {
        return registryOfB.get("gad.cache.l1.flushes").tag("cause", "link_lost").counter().count();
    }

    double flushesOfA() {
        return registryOfA.get("gad.cache.l1.flushes").tag("cause", "link_lost").counter().count();
    }

    double linkStateOfA() {
        return registryOfA.get("gad.cache.l1.link.state").gauge().value();
    }

    // --- the cluster, through redis-cli's commands ---

    /** A fresh user whose keys live on each current master, by master port. */
    Map<Integer, Long> userOnEachMaster() {
        Map<Integer, Long> users = new TreeMap<>();
        int masters = TopologyServicesResource.topology().clusterMasterPorts().size();
        for (int i = 0; i < 100 && users.size() < masters; i++) {
            long user = TestData.user(1);
            users.putIfAbsent(ownerOf(slotOf(keys.generationKey(user)), TopologyServicesResource.topology().masterPort()), user);
        }
        return users;
    }

    static int slotOf(String key) {
        return (int) RedisProbe.integer("CLUSTER", "KEYSLOT", key);
    }

    /** The port of the master owning {@code slot}, as the node on {@code askedPort} sees it. */
    static int ownerOf(int slot, int askedPort) {
        for (Object range : (List<?>) RedisProbe.callAt(askedPort, "CLUSTER", "SLOTS")) {
            List<?> fields = (List<?>) range;
            if ((Long) fields.get(0) <= slot && slot <= (Long) fields.get(1)) {
                return ((Long) ((List<?>) fields.get(2)).get(1)).intValue();
            }
        }
        throw new IllegalStateException("slot " + slot + " is not served");
    }

    static String myId(int port) {
        return string(RedisProbe.callAt(port, "CLUSTER", "MYID"));
    }

    static String role(int port) {
        return string(((List<?>) RedisProbe.callAt(port, "ROLE")).get(0));
    }

    static int replicaOf(int master) {
        for (Object line : (List<?>) RedisProbe.callAt(master, "CLUSTER", "REPLICAS", myId(master))) {
            String address = string(line).split(" ")[1].split("@")[0];
            return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        }
        throw new IllegalStateException("no replica of " + master);
    }

    /** The ids of the connections tracking in broadcasting mode on the node (flag B). */
    static List<Long> trackingConnections(int port) {
        return string(RedisProbe.callAt(port, "CLIENT", "LIST")).lines()
                .filter(line -> Arrays.stream(line.split(" ")).anyMatch(field -> field.startsWith("flags=") && field.contains("B")))
                .map(line -> Long.parseLong(line.substring("id=".length(), line.indexOf(' '))))
                .toList();
    }

    /** Moves {@code slot} with its keys, as redis-cli --cluster reshard does for each slot. */
    static void moveSlot(int slot, int from, int to, List<Integer> masters) {
        String fromId = myId(from);
        String toId = myId(to);
        RedisProbe.callAt(to, "CLUSTER", "SETSLOT", slot, "IMPORTING", fromId);
        RedisProbe.callAt(from, "CLUSTER", "SETSLOT", slot, "MIGRATING", toId);
        List<?> keysInSlot = (List<?>) RedisProbe.callAt(from, "CLUSTER", "GETKEYSINSLOT", slot, 1000);
        if (!keysInSlot.isEmpty()) {
            List<Object> migrate = new ArrayList<>(List.of("MIGRATE", "127.0.0.1", to, "", 0, 5000, "KEYS"));
            migrate.addAll(keysInSlot);
            RedisProbe.callAt(from, migrate.toArray());
        }
        for (int master : masters) {
            RedisProbe.callAt(master, "CLUSTER", "SETSLOT", slot, "NODE", toId);
        }
    }

    static String string(Object reply) {
        return reply instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(reply);
    }
}
