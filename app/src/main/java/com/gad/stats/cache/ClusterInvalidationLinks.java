package com.gad.stats.cache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;


import com.gad.stats.cache.admin.RedisMasters;

import io.quarkus.logging.Log;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * The invalidation link on Redis Cluster: tracking in broadcasting mode is per node (a node reports
 * the keys changed on it only), so every master that owns slots gets an {@link InvalidationLink} of
 * its own, on a standalone client of that node. Each link keeps its own check; its echo key is
 * hash-tagged into a slot of its master and written through the service's cluster client, so an
 * echo that comes back proves the writes for that master's slots reach the tracked node.
 *
 * <p>The near cache is up only while every master's link is up; one link lost flushes and bypasses
 * it until that link is back. Every link check also reads {@code CLUSTER SLOTS}: a slot map other
 * than the one the links were made on (a failover, a slot moved, a master added or removed) flushes
 * and bypasses the near cache and makes the links again on the new map at once. The cluster client
 * follows MOVED and ASK by itself and does not report them, so the slot map is the signal; between
 * two reads of it the links' own checks (a master turned replica, an echo that went to another
 * node) catch what changed.
 *
 * <p>Node clients use the scheme and credentials of the first configured host and
 * {@code quarkus.redis.password}, as every node client does ({@link RedisTopology#nodeClient}).
 */
@ApplicationScoped
public class ClusterInvalidationLinks {

    /** Slots {@code first..last} and the {@code host:port} of the master that owns them. */
    record SlotRange(int first, int last, String master) {
        boolean holds(int slot) {
            return first <= slot && slot <= last;
        }
    }

    /** The links made for one slot map; callbacks of links of an older map are ignored. */
    private static final class Links {
        final List<SlotRange> slots;
        final Map<String, InvalidationLink> byMaster = new LinkedHashMap<>();
        final List<Redis> clients = new ArrayList<>();
        final Set<String> up = new HashSet<>();

        Links(List<SlotRange> slots) {
            this.slots = slots;
        }
    }

    /** The topology reads and the echoes: the service's own client, routed like any cache write. */
    private final RedisConnections commands;
    private final NearCache nearCache;
    private final CacheKeys keys;
    private final Vertx vertx;
    private final RedisTopology topology;
    private final String echoKey;
    private final AtomicBoolean reading = new AtomicBoolean();
    private Links current; // guarded by this
    private boolean stopped; // guarded by this
    private long checkTimer = -1;

    ClusterInvalidationLinks(RedisConnections commands, NearCache nearCache, CacheKeys keys, Vertx vertx,
            RedisTopology topology) {
        this.commands = commands;
        this.nearCache = nearCache;
        this.keys = keys;
        this.vertx = vertx;
        this.topology = topology;
        this.echoKey = InvalidationLink.echoKeyOf(keys);
    }

    /** The configured client is a Redis Cluster client: the links are made here, one per master. */
    public boolean onCluster() {
        return topology.cluster();
    }

    /** Reads the slot map and links every master; then re-reads it at every link check. */
    void start() {
        if (!nearCache.active()) {
            Log.infof("near cache: %s", nearCache.offReason());
            return;
        }
        checkTimer = vertx.setPeriodic(InvalidationLink.LINK_CHECK.toMillis(), id -> readSlots());
        readSlots();
    }

    synchronized void stop() {
        stopped = true;
        if (checkTimer >= 0) {
            vertx.cancelTimer(checkTimer);
        }
        if (current != null) {
            close(current);
            current = null;
        }
    }

    /** True while every master's link is up. */
    public synchronized boolean up() {
        return current != null && !current.byMaster.isEmpty() && current.up.size() == current.byMaster.size();
    }

    private void readSlots() {
        if (!reading.compareAndSet(false, true)) {
            return; // the previous read is still out
        }
        commands.send(Request.cmd(Command.CLUSTER).arg("SLOTS"))
                .ifNoItem().after(InvalidationLink.LINK_CHECK).fail()
                .map(reply -> slotMap(reply, topology.firstHostName()))
                .onTermination().invoke(() -> reading.set(false))
                .subscribe().with(this::linkOn,
                        // the links' own checks judge a Redis that does not answer; the map is read again next time
                        failure -> Log.debugf("near cache: CLUSTER SLOTS not read (%s)", CacheLog.describe(failure)));
    }

    /** Keeps the links when the map is the one they were made on; otherwise flushes and links the new map. */
    private synchronized void linkOn(List<SlotRange> slots) {
        if (stopped || current != null && current.slots.equals(slots)) {
            return;
        }
        Links previous = current;
        Links links = new Links(slots);
        current = links;
        nearCache.linkLost();
        if (previous != null) {
            Log.warnf("near cache: Redis Cluster slot map changed (masters %s, now %s); flushed and bypassed until every master is linked",
                    previous.byMaster.keySet(), masters(slots));
            close(previous);
        }
        for (String master : masters(slots)) {
            Redis client = nodeClient(master);
            links.clients.add(client);
            links.byMaster.put(master, new InvalidationLink(client, commands, " on " + master, echoKeyFor(master, slots),
                    () -> linkUp(links, master), () -> linkLost(links, master), nearCache, keys, vertx));
        }
        links.byMaster.values().forEach(InvalidationLink::start);
    }

    private synchronized void linkUp(Links links, String master) {
        if (links != current) {
            return;
        }
        links.up.add(master);
        if (links.up.size() == links.byMaster.size()) {
            nearCache.linkUp();
            Log.infof("near cache: invalidation links up on all %d Cluster masters", links.byMaster.size());
        }
    }

    private synchronized void linkLost(Links links, String master) {
        if (links != current) {
            return;
        }
        links.up.remove(master);
        nearCache.linkLost();
    }

    private static void close(Links links) {
        links.byMaster.values().forEach(InvalidationLink::stop);
        links.clients.forEach(Redis::close);
    }

    private static List<String> masters(List<SlotRange> slots) {
        return slots.stream().map(SlotRange::master).distinct().sorted().toList();
    }

    private Redis nodeClient(String address) {
        // the subscriber and the tracking connection, and their successors while the old close
        return topology.nodeClient(vertx, address, 4, 8);
    }

    /** This instance's echo key for {@code master}: its hash tag falls in one of the master's slots. */
    String echoKeyFor(String master, List<SlotRange> slots) {
        List<SlotRange> owned = slots.stream().filter(range -> range.master().equals(master)).toList();
        for (int n = 0; n < 1 << 22; n++) {
            int slot = slot("e" + n);
            if (owned.stream().anyMatch(range -> range.holds(slot))) {
                return echoKey + "{e" + n + "}";
            }
        }
        throw new IllegalStateException("no echo key found for " + master);
    }

    /**
     * The Cluster slot of a hash tag: CRC16 (XMODEM) mod 16384, as Redis computes it. Written here
     * because the client's own implementation sits in its internal package.
     */
    static int slot(String hashTag) {
        int crc = 0;
        for (byte b : hashTag.getBytes(StandardCharsets.UTF_8)) {
            crc ^= (b & 0xFF) << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }
        return crc & 0x3FFF;
    }

    /** The slot ranges of a {@code CLUSTER SLOTS} reply with their masters, in slot order. */
    static List<SlotRange> slotMap(Response reply, String defaultHost) {
        List<SlotRange> slots = new ArrayList<>();
        for (Response range : reply) {
            Response master = range.get(2);
            String host = master.get(0).toString();
            // an empty or unknown ("?") endpoint means "the host you reached me on"
            String address = (host.isEmpty() || "?".equals(host) ? defaultHost : host) + ":" + master.get(1).toInteger();
            slots.add(new SlotRange(range.get(0).toInteger(), range.get(1).toInteger(), address));
        }
        if (slots.isEmpty()) {
            throw new IllegalStateException("CLUSTER SLOTS lists no slot");
        }
        slots.sort(Comparator.comparingInt(SlotRange::first));
        return List.copyOf(slots);
    }
}
