package com.gad.stats.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;


import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * The cache's Redis commands. Every call goes through {@link RedisGateway} (deadline and
 * breaker); failures surface as failed {@link Uni}s and {@link CacheAside} decides what they mean.
 *
 * <p>Invalidation is generation based: each user has a generation key and every value stores the
 * generation it was computed under. Invalidating a user is one SET of a fresh generation (O(1), no
 * SCAN), after which every older value of that user reads as stale.
 */
@ApplicationScoped
public class RedisCacheStore implements CacheStore {

    /** Returns the user's generation, creating it when there is none. KEYS: generation. ARGV: fresh generation. */
    static final String INIT_GENERATION_SCRIPT = """
            local cur = redis.call('GET', KEYS[1])
            if cur then return cur end
            redis.call('SET', KEYS[1], ARGV[1])
            return ARGV[1]
            """;

    /**
     * Stores a value only if the user's generation is still the one the reader saw: a miss that read
     * the database before a write cannot leave pre-write figures behind after the write's
     * invalidation (the stale-set race). It also releases the value's lock when this writer holds it.
     * KEYS: generation, value, lock. ARGV: generation seen, stored bytes, ttl seconds, lock token ('' = none).
     */
    static final String STORE_IF_GENERATION_SCRIPT = """
            local stored = 0
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
              stored = 1
            end
            if ARGV[4] ~= '' and redis.call('GET', KEYS[3]) == ARGV[4] then
              redis.call('DEL', KEYS[3])
            end
            return stored
            """;

    /**
     * A fresh generation, once per transaction: the mark of the transaction and the new generation
     * are written together or not at all, so a mark always means the generation changed after that
     * commit. KEYS: generation, transaction mark. ARGV: fresh generation, mark ttl milliseconds.
     */
    static final String INVALIDATE_ONCE_SCRIPT = """
            if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then return 0 end
            redis.call('SET', KEYS[1], ARGV[1])
            return 1
            """;

    /** Deletes the lock only if this holder still owns it. KEYS: lock. ARGV: token. */
    static final String UNLOCK_SCRIPT = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """;

    private final RedisGateway gateway;
    private final CacheKeys keys;

    RedisCacheStore(RedisGateway gateway, CacheKeys keys) {
        this.gateway = gateway;
        this.keys = keys;
    }

    /**
     * The remaining TTL is a PTTL pipelined with the MGET (same round trip) rather than an expiry
     * written into the value: it is measured by Redis and applied to this process's monotonic clock
     * from before the read, so no wall-clock skew between instances can stretch it, and it follows an
     * operator's EXPIRE or PERSIST of the key.
     */
    @Override
    public Uni<Stored> read(CacheKey key, boolean withRemainingTtl) {
        String generationKey = keys.generationKey(key.userId());
        String valueKey = keys.valueKey(key);
        Request mget = Request.cmd(Command.MGET).arg(generationKey).arg(valueKey);
        Uni<Replies> read = withRemainingTtl
                ? gateway.sendBatch(List.of(mget, Request.cmd(Command.PTTL).arg(valueKey)))
                        .map(replies -> new Replies(replies.get(0), remainingTtl(replies.get(1))))
                : send(mget).map(reply -> new Replies(reply, Optional.empty()));
        return read.chain(replies -> stored(replies.mget(), generationKey, replies.remainingTtl()));
    }

    /** What an MGET of generation and value found; a user without a generation gets one first. */
    private Uni<Stored> stored(Response mget, String generationKey, Optional<Duration> remainingTtl) {
        Optional<byte[]> bytes = Optional.ofNullable(mget.get(1)).map(Response::toBytes);
        Response generation = mget.get(0);
        return generation != null
                ? Uni.createFrom().item(new Stored(ascii(generation), bytes, remainingTtl))
                : createdGeneration(generationKey).map(created -> new Stored(created, bytes, remainingTtl));
    }

    /** The MGET of generation and value, and the value's remaining TTL when it was asked for. */
    private record Replies(Response mget, Optional<Duration> remainingTtl) {
    }

    /** PTTL: milliseconds left; -1 no expiry (empty); -2 gone since the MGET (zero: nothing to keep). */
    private static Optional<Duration> remainingTtl(Response pttl) {
        long millis = pttl.toLong();
        if (millis == -1) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofMillis(Math.max(0, millis)));
    }

    private Uni<String> createdGeneration(String generationKey) {
        return send(Request.cmd(Command.EVAL).arg(INIT_GENERATION_SCRIPT).arg(1).arg(generationKey).arg(freshToken()))
                .map(RedisCacheStore::ascii);
    }

    @Override
    public Uni<LockAttempt> tryLock(CacheKey key, Duration ttl) {
        String token = freshToken();
        return send(Request.cmd(Command.SET).arg(keys.lockKey(key)).arg(token).arg("NX").arg("PX").arg(ttl.toMillis()))
                .map(reply -> reply == null ? LockAttempt.BUSY : new LockAttempt.Held(token));
    }

    /** SET NX and the MGET (and PTTL) of {@link #read} pipelined: one round trip, one slot. */
    @Override
    public Uni<LockedRead> tryLockAndRead(CacheKey key, Duration ttl, boolean withRemainingTtl) {
        String token = freshToken();
        String generationKey = keys.generationKey(key.userId());
        String valueKey = keys.valueKey(key);
        List<Request> commands = new ArrayList<>(3);
        commands.add(Request.cmd(Command.SET).arg(keys.lockKey(key)).arg(token).arg("NX").arg("PX").arg(ttl.toMillis()));
        commands.add(Request.cmd(Command.MGET).arg(generationKey).arg(valueKey));
        if (withRemainingTtl) {
            commands.add(Request.cmd(Command.PTTL).arg(valueKey));
        }
        return gateway.sendBatch(commands)
                .chain(replies -> {
                    LockAttempt attempt = replies.get(0) == null ? LockAttempt.BUSY : new LockAttempt.Held(token);
                    Optional<Duration> remainingTtl = withRemainingTtl ? remainingTtl(replies.get(2)) : Optional.empty();
                    return stored(replies.get(1), generationKey, remainingTtl)
                            .map(stored -> new LockedRead(attempt, stored));
                });
    }

    @Override
    public Uni<Void> unlock(CacheKey key, LockAttempt.Held lock) {
        return send(Request.cmd(Command.EVAL).arg(UNLOCK_SCRIPT).arg(1).arg(keys.lockKey(key)).arg(lock.token()))
                .replaceWithVoid();
    }

    @Override
    public Uni<Boolean> storeIfGeneration(CacheKey key, String generation, byte[] bytes, Duration ttl,
            Optional<LockAttempt.Held> lock) {
        Request eval = Request.cmd(Command.EVAL)
                .arg(STORE_IF_GENERATION_SCRIPT)
                .arg(3)
                .arg(keys.generationKey(key.userId()))
                .arg(keys.valueKey(key))
                .arg(keys.lockKey(key))
                .arg(generation)
                .arg(bytes)
                .arg(ttl.toSeconds())
                .arg(lock.map(LockAttempt.Held::token).orElse(""));
        return send(eval)
                .map(reply -> reply.toInteger() == 1);
    }

    @Override
    public Uni<Void> invalidateUser(long userId) {
        return send(Request.cmd(Command.SET).arg(keys.generationKey(userId)).arg(freshToken()))
                .replaceWithVoid();
    }

    @Override
    public Uni<Boolean> invalidateUserOnce(long userId, long transactionId, Duration remembered) {
        return send(Request.cmd(Command.EVAL).arg(INVALIDATE_ONCE_SCRIPT).arg(2)
                .arg(keys.generationKey(userId))
                .arg(keys.transactionKey(userId, transactionId))
                .arg(freshToken())
                .arg(remembered.toMillis()))
                .map(reply -> reply.toInteger() == 1);
    }

    private Uni<Response> send(Request request) {
        return gateway.send(request);
    }

    private static String ascii(Response reply) {
        return reply.toString(StandardCharsets.US_ASCII);
    }

    /** A random token for generations and lock ownership. */
    private static String freshToken() {
        return Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }
}
