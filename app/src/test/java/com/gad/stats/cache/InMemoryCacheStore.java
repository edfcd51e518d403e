package com.gad.stats.cache;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.smallrye.mutiny.Uni;

/**
 * An in-memory {@link CacheStore} for the pipeline's unit tests: the same semantics as the Redis
 * store (generation created on first read, store only under the generation seen, lock owned by a
 * token), with switches that make each kind of call fail as an unreachable Redis would.
 */
final class InMemoryCacheStore implements CacheStore {

    final Map<Long, String> generations = new ConcurrentHashMap<>();
    final Map<CacheKey, byte[]> values = new ConcurrentHashMap<>();
    final Map<CacheKey, String> locks = new ConcurrentHashMap<>();
    /** What PTTL would answer for a value: the TTL it was stored with, unless a test sets it. */
    final Map<CacheKey, Duration> remainingTtls = new ConcurrentHashMap<>();
    /** "user:transaction" of every invalidation made once per transaction (never forgotten here). */
    final Set<String> invalidatedTransactions = ConcurrentHashMap.newKeySet();
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger stores = new AtomicInteger();
    private final AtomicLong tokens = new AtomicLong();

    volatile boolean readsFail;
    volatile boolean locksFail;
    volatile boolean storesFail;
    volatile boolean invalidationsFail;
    /** When set, a read's reply (taken at once) reaches the pipeline only when this completes. */
    volatile CompletableFuture<Void> replyGate;

    @Override
    public Uni<Stored> read(CacheKey key, boolean withRemainingTtl) {
        reads.incrementAndGet();
        if (readsFail) {
            return unreachable();
        }
        String generation = generations.computeIfAbsent(key.userId(), user -> freshToken());
        Optional<Duration> ttl = withRemainingTtl ? Optional.ofNullable(remainingTtls.get(key)) : Optional.empty();
        Stored stored = new Stored(generation, Optional.ofNullable(values.get(key)), ttl);
        CompletableFuture<Void> gate = replyGate;
        return gate == null
                ? Uni.createFrom().item(stored)
                : Uni.createFrom().completionStage(gate).replaceWith(stored);
    }

    @Override
    public Uni<LockAttempt> tryLock(CacheKey key, Duration ttl) {
        if (locksFail) {
            return unreachable();
        }
        String token = freshToken();
        return Uni.createFrom().item(locks.putIfAbsent(key, token) == null ? new LockAttempt.Held(token) : LockAttempt.BUSY);
    }

    @Override
    public Uni<Void> unlock(CacheKey key, LockAttempt.Held lock) {
        locks.remove(key, lock.token());
        return Uni.createFrom().voidItem();
    }

    @Override
    public Uni<Boolean> storeIfGeneration(CacheKey key, String generation, byte[] bytes, Duration ttl,
            Optional<LockAttempt.Held> lock) {
        if (storesFail) {
            return unreachable();
        }
        boolean current = generation.equals(generations.get(key.userId()));
        if (current) {
            values.put(key, bytes);
            remainingTtls.put(key, ttl);
            stores.incrementAndGet();
        }
        lock.ifPresent(held -> locks.remove(key, held.token()));
        return Uni.createFrom().item(current);
    }

    @Override
    public Uni<Void> invalidateUser(long userId) {
        if (invalidationsFail) {
            return unreachable();
        }
        generations.put(userId, freshToken());
        return Uni.createFrom().voidItem();
    }

    @Override
    public Uni<Boolean> invalidateUserOnce(long userId, long transactionId, Duration remembered) {
        if (invalidationsFail) {
            return unreachable();
        }
        if (!invalidatedTransactions.add(userId + ":" + transactionId)) {
            return Uni.createFrom().item(false);
        }
        generations.put(userId, freshToken());
        return Uni.createFrom().item(true);
    }

    private String freshToken() {
        return "t" + tokens.incrementAndGet();
    }

    private static <T> Uni<T> unreachable() {
        return Uni.createFrom().failure(new IllegalStateException("store unreachable"));
    }
}
