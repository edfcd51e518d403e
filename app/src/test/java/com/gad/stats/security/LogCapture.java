package com.gad.stats.security;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;

/**
 * Captures every log record of the running service (same JVM in {@code @QuarkusTest}) at any
 * level, formatted with its parameters and the full text of its throwable, so tests can assert
 * that secrets never reach a log.
 */
public final class LogCapture extends Handler implements AutoCloseable {

    /**
     * Categories opened to DEBUG while capturing, so their debug output is checked too. The token
     * parsers (io.quarkus.smallrye.jwt, io.smallrye.jwt, org.jose4j) are not among them: their
     * debug output does quote tokens, so the service pins them to INFO (min-level), and the test
     * profile asks for DEBUG through configuration, as an operator would, to prove it is refused.
     */
    static final List<String> DEBUG_CATEGORIES = List.of("io.quarkus.security", "io.quarkus.vertx.http.runtime.security",
            "org.jboss.resteasy.reactive", "io.quarkus.resteasy.reactive", "com.gad.stats");

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<Level> previous = new java.util.ArrayList<>();

    public static LogCapture start() {
        LogCapture capture = new LogCapture();
        capture.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(capture);
        for (String category : DEBUG_CATEGORIES) {
            Logger logger = Logger.getLogger(category);
            capture.previous.add(logger.getLevel());
            logger.setLevel(Level.FINE);
        }
        return capture;
    }

    @Override
    public void publish(LogRecord record) {
        String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
        StringBuilder sb = new StringBuilder();
        sb.append(record.getLevel()).append(' ').append(record.getLoggerName()).append(' ').append(message);
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            sb.append('\n').append(trace);
        }
        lines.add(sb.toString());
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    /** Lines logged since {@code from} (an index returned by {@link #mark()}). */
    public List<String> since(int from) {
        List<String> all = lines();
        return all.subList(Math.min(from, all.size()), all.size());
    }

    public int mark() {
        return lines.size();
    }

    /** The first captured line containing the secret, or null. */
    String find(String secret) {
        return lines.stream().filter(l -> l.contains(secret)).findFirst().orElse(null);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
        for (int i = 0; i < DEBUG_CATEGORIES.size(); i++) {
            Logger.getLogger(DEBUG_CATEGORIES.get(i)).setLevel(previous.get(i));
        }
    }
}
