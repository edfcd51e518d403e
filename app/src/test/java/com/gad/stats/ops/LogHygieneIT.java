package com.gad.stats.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.PropertyTestUtil;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.path.json.JsonPath;

/**
 * {@link LogHygieneTest} against the packaged application in the prod profile: the entries are the
 * JSON lines it writes (to the file the integration-test launcher captures), so this also checks
 * that production logs are JSON with the cache fields as separate attributes, hits, misses, sets and
 * invalidations included.
 */
@QuarkusIntegrationTest
public class LogHygieneIT extends LogHygieneTest {

    @Override
    protected List<LogEntry> logsDuring(Runnable action) {
        Path log = PropertyTestUtil.getLogFilePath();
        long start = size(log);
        action.run();
        try {
            Thread.sleep(500); // the launcher copies the application's output asynchronously
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<LogEntry> entries = new ArrayList<>();
        for (String line : read(log, start).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            assertTrue(line.startsWith("{"), "production logs are JSON, one object a line: " + line);
            JsonPath json = JsonPath.from(line);
            Map<String, String> mdc = json.getMap("mdc", String.class, String.class);
            entries.add(new LogEntry(json.getString("level"), line, mdc == null ? Map.of() : Map.copyOf(mdc)));
        }
        return entries;
    }

    private static long size(Path log) {
        try {
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path log, long from) {
        try {
            byte[] all = Files.readAllBytes(log);
            return new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
