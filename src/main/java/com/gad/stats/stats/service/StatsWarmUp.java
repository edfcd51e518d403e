package com.gad.stats.stats.service;

import java.time.Duration;

import jakarta.enterprise.event.Observes;

import com.gad.stats.config.GadConfig;
import com.gad.stats.stats.repository.StatsRepository;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;

/**
 * Optional warm-up (gad.cache.warmup.enabled): precomputes the statistics of the users with the
 * most tasks in the window, through the normal cache path, a few at a time. It runs in the
 * background after start: liveness and readiness never wait for it.
 */
public class StatsWarmUp {

    void onStart(@Observes StartupEvent event, GadConfig config, StatsRepository repository, StatsService stats) {
        GadConfig.Warmup warmup = config.cache().warmup();
        if (!warmup.enabled()) {
            return;
        }
        int widestWindow = warmup.days().stream().mapToInt(Integer::intValue).max().orElse(30);
        long start = System.nanoTime();
        repository.mostActiveUsers(warmup.users(), widestWindow)
                .onItem().transformToMulti(ids -> Multi.createFrom().iterable(ids))
                .onItem().transformToMulti(id -> Multi.createFrom().iterable(warmup.days()).map(days -> new long[] { id, days }))
                .merge()
                .onItem().transformToUni(pair -> stats.userStats(pair[0], (int) pair[1], true).replaceWithVoid()
                        .onFailure().recoverWithNull())
                .merge(warmup.concurrency())
                .collect().with(java.util.stream.Collectors.counting())
                .subscribe().with(
                        count -> Log.infof("cache warm-up: %d statistics precomputed in %d ms", count,
                                Duration.ofNanos(System.nanoTime() - start).toMillis()),
                        failure -> Log.warnf("cache warm-up stopped: %s", failure.getClass().getSimpleName()));
    }
}
