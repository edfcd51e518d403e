package com.gad.stats.overload;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.gad.stats.common.Problem;
import com.gad.stats.common.ServiceUnavailable;
import com.gad.stats.config.GadConfig;
import com.gad.stats.common.Meters;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Admission control of the API: at most {@code gad.overload.max-concurrent} requests are processed
 * at once, the next {@code max-queued} wait for a turn in arrival order, and the rest are shed with
 * 503 problem+json and Retry-After before any authentication, Redis or database work. A request
 * that waited {@link #MAX_QUEUE_WAIT} is shed when its turn comes, so the latency of the requests
 * that are served stays bounded under any number of connections. Probes, metrics and everything
 * else outside {@code /api/} pass untouched.
 *
 * <p>Hand-written: Quarkus' {@code quarkus-load-shedding} (experimental, an adaptive limit with
 * no queue) was measured against it on the benchmark's overload scenario (docs/overload.md "Why not
 * quarkus-load-shedding"): at 512 connections it let every request in, and its throughput
 * against 32 connections met the 0.9 × target in one run of two (0.85 ×, 1.17 ×; this filter 1.12 ×
 * and 1.07 ×); and it sheds with an empty 503 without Retry-After, which the contract does not allow. It is a route filter, so it runs on the event
 * loop before the REST layer, and costs a counter update per request.
 */
@ApplicationScoped
public class AdmissionControl {

    /** Runs before the REST layer and the security filters. */
    static final int PRIORITY = 10_000;
    /**
     * A request that waited this long for a turn is shed instead of processed: past a second its
     * client has likely given up or retried, and the work would be wasted on an overloaded instance.
     */
    public static final Duration MAX_QUEUE_WAIT = Duration.ofSeconds(1);
    private static final long MAX_QUEUE_WAIT_NANOS = MAX_QUEUE_WAIT.toNanos();

    private record Waiting(RoutingContext request, Context loop, long sinceNanos) {
    }

    private final int maxConcurrent;
    private final int maxQueued;
    private final Deque<Waiting> queue = new ArrayDeque<>();
    private final Set<RoutingContext> admitted = Collections.newSetFromMap(new IdentityHashMap<>());
    private int inFlight;
    private final Counter shedQueueFull;
    private final Counter shedQueueWait;

    AdmissionControl(GadConfig config, MeterRegistry registry) {
        GadConfig.Overload overload = config.overload();
        this.maxConcurrent = overload.maxConcurrent();
        this.maxQueued = overload.maxQueued();
        Gauge.builder("gad.http.concurrency.limit", () -> maxConcurrent)
                .description("API requests processed at once (admission control)")
                .register(registry);
        Gauge.builder("gad.http.in.flight", this, AdmissionControl::inFlight)
                .description("API requests being processed")
                .register(registry);
        Gauge.builder("gad.http.queued", this, AdmissionControl::queued)
                .description("API requests waiting for a turn")
                .register(registry);
        this.shedQueueFull = shed(registry, "queue_full");
        this.shedQueueWait = shed(registry, "queue_wait");
    }

    private static Counter shed(MeterRegistry registry, String reason) {
        return Meters.counter(registry, "gad.http.shed",
                "API requests refused with 503 by admission control, by reason", "reason", reason);
    }

    void register(@Observes Filters filters) {
        filters.register(this::admit, PRIORITY);
    }

    /**
     * Sheds waiting requests past their wait even while no request ends (all turns held by slow
     * ones), and takes back the turns of requests whose client went away.
     */
    void sweep(@Observes StartupEvent event, Vertx vertx) {
        long interval = Math.min(100, Math.max(10, MAX_QUEUE_WAIT_NANOS / 2_000_000));
        vertx.setPeriodic(interval, id -> sweepOnce());
    }

    void sweepOnce() {
        List<RoutingContext> held;
        synchronized (this) {
            held = List.copyOf(admitted);
        }
        // Asked outside this monitor: a response's state is guarded by its connection's monitor, and
        // with several event loops a response ending on another loop holds that one while its end
        // handler waits for this one (released): asking under both would deadlock the two loops.
        held.stream().filter(r -> r.response().ended() || r.response().closed()).forEach(this::released);
        while (true) {
            Waiting expired;
            synchronized (this) {
                Waiting oldest = queue.peekFirst();
                if (oldest == null || System.nanoTime() - oldest.sinceNanos() <= MAX_QUEUE_WAIT_NANOS) {
                    return;
                }
                expired = queue.pollFirst();
            }
            shedQueueWait.increment();
            expired.loop().runOnContext(v -> refuse(expired.request()));
        }
    }

    void admit(RoutingContext request) {
        if (!request.normalizedPath().startsWith("/api/")) {
            request.next();
            return;
        }
        boolean now;
        boolean full = false;
        synchronized (this) {
            now = inFlight < maxConcurrent;
            if (now) {
                inFlight++;
            } else if (queue.size() < maxQueued) {
                queue.addLast(new Waiting(request, Vertx.currentContext(), System.nanoTime()));
            } else {
                full = true;
            }
        }
        if (now) {
            proceed(request);
        } else if (full) {
            shedQueueFull.increment();
            refuse(request);
        }
    }

    private void proceed(RoutingContext request) {
        synchronized (this) {
            admitted.add(request);
        }
        request.addEndHandler(done -> released(request));
        request.next();
    }

    /**
     * Gives the request's turn back, once. The end handler is not enough alone: when the client
     * goes away first, the response's close handler (one per response, which the REST layer sets
     * for itself) may be the only signal, so the sweep also releases turns of closed responses.
     */
    private void released(RoutingContext request) {
        boolean held;
        synchronized (this) {
            held = admitted.remove(request);
        }
        if (held) {
            finished();
        }
    }

    /** A request ended: its turn goes to the oldest waiting one still worth serving. */
    private void finished() {
        while (true) {
            Waiting next;
            synchronized (this) {
                next = queue.pollFirst();
                if (next == null) {
                    inFlight--;
                    return;
                }
            }
            if (next.request().response().closed()) {
                continue;
            }
            if (System.nanoTime() - next.sinceNanos() > MAX_QUEUE_WAIT_NANOS) {
                shedQueueWait.increment();
                next.loop().runOnContext(v -> refuse(next.request()));
                continue;
            }
            next.loop().runOnContext(v -> proceed(next.request()));
            return;
        }
    }

    private void refuse(RoutingContext request) {
        if (request.response().ended() || request.response().closed()) {
            return;
        }
        request.response()
                .setStatusCode(503)
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .putHeader(HttpHeaders.RETRY_AFTER, Long.toString(ServiceUnavailable.OVERLOADED_RETRY_AFTER_SECONDS))
                .end(ServiceUnavailable.OVERLOADED_JSON);
    }

    private synchronized int inFlight() {
        return inFlight;
    }

    private synchronized int queued() {
        return queue.size();
    }
}
