package com.gad.stats.localservices;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

import redis.embedded.RedisServer;

/**
 * A Redis server process owned by the caller (dev mode, tests, fault tests that stop and restart
 * it), from the embedded-redis binaries on Maven Central. Keeps nothing on disk.
 */
public final class LocalRedis implements AutoCloseable {

    private final int port;
    private RedisServer server;

    private LocalRedis(int port) {
        this.port = port;
    }

    /** Starts a Redis on a free loopback port. */
    public static LocalRedis startOnFreePort() {
        LocalRedis redis = new LocalRedis(freePort());
        redis.start();
        return redis;
    }

    public synchronized void start() {
        if (server != null && server.isActive()) {
            return;
        }
        try {
            server = RedisServer.newRedisServer()
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .build();
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("embedded Redis did not start on port " + port, e);
        }
    }

    public synchronized void stop() {
        if (server != null) {
            try {
                server.stop();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server = null;
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        stop();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
