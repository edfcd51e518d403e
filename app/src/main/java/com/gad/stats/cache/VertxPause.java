package com.gad.stats.cache;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/** A Vert.x timer: the wait resumes on the caller's context, and the event loop is free meanwhile. */
@ApplicationScoped
class VertxPause implements Pause {

    private final Vertx vertx;

    VertxPause(Vertx vertx) {
        this.vertx = vertx;
    }

    @Override
    public Uni<Void> of(Duration duration) {
        return Uni.createFrom().emitter(emitter -> vertx.setTimer(Math.max(1, duration.toMillis()), id -> emitter.complete(null)));
    }
}
