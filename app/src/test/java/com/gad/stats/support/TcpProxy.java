package com.gad.stats.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy owned by a test, between the service and PostgreSQL or Redis, so fault tests
 * can cut or slow the connection without touching the shared servers. Plain threads: it runs in
 * the test JVM, never on the service's event loop.
 */
public final class TcpProxy implements AutoCloseable {

    private volatile ServerSocket server;
    private final int port;
    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean cut;
    private volatile long delayMillis;
    private volatile Reset armed;

    /** A reset waiting for the first chunk towards the target that contains {@code marker}. */
    private record Reset(byte[] marker, CompletableFuture<Void> done) {
    }

    public TcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = listen(0);
        this.port = server.getLocalPort();
        startAcceptor(server);
    }

    public int port() {
        return port;
    }

    /** Closes every connection and stops listening: new connections are refused until {@link #restore()}. */
    public synchronized void cut() {
        cut = true;
        closeQuietly(server);
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    /**
     * Resets every open connection (TCP RST, as a crashed or restarting server does) when the
     * next chunk sent towards the target contains {@code marker}, instead of forwarding that chunk:
     * the client has sent its request and sees "connection reset by peer" before any reply. New
     * connections are accepted as before. The future completes once the reset has happened.
     */
    public CompletableFuture<Void> resetOnRequestContaining(byte[] marker) {
        Reset reset = new Reset(marker.clone(), new CompletableFuture<>());
        armed = reset;
        return reset.done();
    }

    private synchronized void resetAll() {
        for (Socket s : open) {
            try {
                s.setSoLinger(true, 0);
            } catch (IOException e) {
                // already closed
            }
            closeQuietly(s);
        }
        open.clear();
    }

    private static boolean contains(byte[] chunk, int length, byte[] marker) {
        for (int i = 0; i + marker.length <= length; i++) {
            if (Arrays.equals(chunk, i, i + marker.length, marker, 0, marker.length)) {
                return true;
            }
        }
        return false;
    }

    /** Listens again on the same port, without added latency. */
    public synchronized void restore() {
        delayMillis = 0;
        if (!cut) {
            return;
        }
        try {
            server = listen(port);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        cut = false;
        startAcceptor(server);
    }

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return socket;
    }

    private void startAcceptor(ServerSocket listening) {
        Thread acceptor = new Thread(() -> acceptLoop(listening), "tcp-proxy-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Adds this much latency to every chunk sent towards the target. */
    public void delay(long millis) {
        delayMillis = millis;
    }

    private void acceptLoop(ServerSocket listening) {
        while (!listening.isClosed()) {
            try {
                Socket client = listening.accept();
                if (cut) {
                    closeQuietly(client);
                    continue;
                }
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress(targetHost, targetPort), 1000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                open.add(client);
                open.add(upstream);
                pump(client, upstream, true);
                pump(upstream, client, false);
            } catch (IOException e) {
                // a refused upstream or a closed server socket: the client sees a closed connection
            }
        }
    }

    private void pump(Socket from, Socket to, boolean towardsTarget) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    long delay = delayMillis;
                    if (towardsTarget && delay > 0) {
                        Thread.sleep(delay);
                    }
                    if (cut) {
                        break;
                    }
                    Reset reset = armed;
                    if (towardsTarget && reset != null && contains(buffer, n, reset.marker())) {
                        armed = null;
                        resetAll();
                        reset.done().complete(null);
                        break;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // connection closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        cut();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // already closed
        }
    }
}
