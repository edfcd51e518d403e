package com.gad.stats.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
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
