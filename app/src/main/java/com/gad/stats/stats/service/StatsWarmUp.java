package com.gad.stats.stats.service;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.gad.stats.config.GadConfig;
import com.gad.stats.stats.repository.StatsRepository;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Optional warm-up (gad.cache.warmup.enabled): precomputes the statistics of the users with the
 * most tasks in the window, through the normal cache path, a few at a time. It runs in the
 * background after start: liveness and readiness never wait for it.
 */
@ApplicationScoped
public class StatsWarmUp {

    /** The window precomputed: the API's default {@code days}, the one dashboards ask for. */
    static final List<Integer> DAYS = List.of(30);
    /** Aggregations at once: a few of the pool's 20 connections, so start-up traffic is served meanwhile. */
    static final int CONCURRENCY = 4;

    private final StatsRepository repository;
    private final StatsService stats;

    StatsWarmUp(StatsRepository repository, StatsService stats) {
        this.repository = repository;
        this.stats = stats;
    }

    void onStart(@Observes StartupEvent event, GadConfig config) {
        GadConfig.Warmup warmup = config.cache().warmup();
        if (!warmup.enabled()) {
            return;
        }
        long start = System.nanoTime();
        warm(warmup.users(), DAYS, CONCURRENCY)
                .subscribe().with(
                        count -> Log.infof("cache warm-up: %d statistics precomputed in %d ms", count,
                                Duration.ofNanos(System.nanoTime() - start).toMillis()),
                        failure -> Log.warnf("cache warm-up stopped: %s", failure.getClass().getSimpleName()));
    }

    /** One user's statistics over one window. */
    private record Target(long userId, int days) {
    }

    /**
     * Caches the statistics of the {@code users} most active users for each window in {@code days},
     * at most {@code concurrency} at a time; emits how many were computed or found cached. A
     * failure for one user is skipped, not fatal.
     */
    public Uni<Long> warm(int users, List<Integer> days, int concurrency) {
        int widestWindow = days.stream().mapToInt(Integer::intValue).max().orElse(30);
        return repository.mostActiveUsers(users, widestWindow)
                .onItem().transformToMulti(ids -> Multi.createFrom().iterable(ids))
                .onItem().transformToMulti(id -> Multi.createFrom().iterable(days).map(window -> new Target(id, window)))
                .merge()
                .onItem().transformToUni(target -> stats.userStats(target.userId(), target.days(), true)
                        .replaceWith(1L)
                        .onFailure().recoverWithItem(0L))
                .merge(concurrency)
                .collect().with(Collectors.summingLong(Long::longValue));
    }
}
