package com.gad.stats.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal blocking RESP client for tests, straight to the test-owned Redis (not through the
 * proxy), so assertions look at the real keys whether the service runs in-process or packaged.
 * On a Cluster it reaches the node that owns the key; on Sentinel, the master.
 */
public final class RedisProbe {

    private RedisProbe() {
    }

    /**
     * Runs one command; bulk replies come back as byte[], integers as Long, arrays as List. On a
     * Cluster it follows MOVED and ASK redirections to the node that owns the key.
     */
    public static Object call(Object... args) {
        return callAt(LocalServicesResource.probePort(), args);
    }

    /** Runs one command on the Redis at the loopback {@code port}, following Cluster redirections. */
    public static Object callAt(int port, Object... args) {
        boolean asking = false;
        for (int hop = 0; hop < 5; hop++) {
            Object reply = send(port, asking, args);
            if (!(reply instanceof Redirect redirect)) {
                return reply;
            }
            port = redirect.port();
            asking = redirect.ask();
        }
        throw new IllegalStateException("too many Cluster redirections for " + args[0]);
    }

    private record Redirect(int port, boolean ask) {
    }

    private static Object send(int port, boolean asking, Object... args) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            if (asking) {
                out.write(encode(new Object[] { "ASKING" }));
                read(in);
            }
            out.write(encode(args));
            out.flush();
            try {
                return read(in);
            } catch (IllegalStateException e) {
                String error = e.getMessage().substring("Redis error: ".length());
                if (error.startsWith("MOVED ") || error.startsWith("ASK ")) {
                    String target = error.substring(error.lastIndexOf(' ') + 1);
                    return new Redirect(Integer.parseInt(target.substring(target.lastIndexOf(':') + 1)), error.startsWith("ASK "));
                }
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] encode(Object[] args) throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (Object arg : args) {
            byte[] bytes = arg instanceof byte[] b ? b : String.valueOf(arg).getBytes(StandardCharsets.UTF_8);
            request.write(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            request.write(bytes);
            request.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return request.toByteArray();
    }

    public static String string(Object... args) {
        Object reply = call(args);
        return reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : (reply == null ? null : reply.toString());
    }

    public static long integer(Object... args) {
        return (Long) call(args);
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        String line = readLine(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IllegalStateException("Redis error: " + line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(length);
                in.readNBytes(2);
                return data;
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    items.add(read(in));
                }
                return items;
            }
            default:
                throw new IllegalStateException("unexpected reply type " + (char) type);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            sb.append((char) c);
        }
        in.read();
        return sb.toString();
    }

    /**
     * Counts the SETs of one key as Redis itself reports them (keyspace notifications, turned on for
     * the time of the count on the test-owned standalone Redis), scripts' SETs included: how many
     * times a user's generation changed, whoever changed it.
     */
    public static final class KeySets implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final String pattern;
        private final String previousEvents;
        private int markers;
        private int sets;

        public KeySets(String key) {
            try {
                @SuppressWarnings("unchecked")
                List<Object> events = (List<Object>) call("CONFIG", "GET", "notify-keyspace-events");
                previousEvents = new String((byte[]) events.get(1), StandardCharsets.UTF_8);
                call("CONFIG", "SET", "notify-keyspace-events", "K$");
                pattern = "__keyspace@*__:" + key;
                socket = new Socket("127.0.0.1", LocalServicesResource.probePort());
                in = new BufferedInputStream(socket.getInputStream());
                socket.getOutputStream().write(encode(new Object[] { "PSUBSCRIBE", pattern }));
                socket.getOutputStream().flush();
                read(in); // the confirmation
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * The SETs of the key so far: a marker published on the same channel comes after every event
         * Redis sent before it, so reading up to it reads them all.
         */
        public int count() {
            String marker = "marker-" + (++markers);
            call("PUBLISH", pattern.replace("@*__", "@0__"), marker);
            try {
                while (true) {
                    @SuppressWarnings("unchecked")
                    List<Object> message = (List<Object>) read(in); // pmessage, pattern, channel, event
                    String event = new String((byte[]) message.get(3), StandardCharsets.UTF_8);
                    if (event.equals(marker)) {
                        return sets;
                    }
                    if (event.equals("set")) {
                        sets++;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                call("CONFIG", "SET", "notify-keyspace-events", previousEvents);
            }
        }
    }
}
