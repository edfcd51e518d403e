package com.gad.stats.ops;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;

import com.gad.stats.support.LocalServicesResource;

import io.quarkus.test.common.PropertyTestUtil;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;

/**
 * {@link LogHygieneTest} against the packaged application in the prod profile: the entries are the
 * JSON lines it writes, so this also checks that production logs are JSON with the cache fields as
 * separate attributes. At the configured level they are those of the application Quarkus launched
 * for the test (the file the integration-test launcher captures). With DEBUG they are those of a
 * second instance started here from the same jar and configuration, with DEBUG turned on as an
 * operator would: the environment variable {@value #CACHE_DEBUG}. So the shipped build (its
 * minimum log level) lets DEBUG be turned on at run time.
 */
@QuarkusIntegrationTest
public class LogHygieneIT extends LogHygieneTest {

    static final String CACHE_DEBUG = "QUARKUS_LOG_CATEGORY__COM_GAD_STATS_CACHE__LEVEL";

    static final Pattern INVALIDATE = Pattern.compile("\"cache_result\"\\s*:\\s*\"invalidate\"");

    static Process debugInstance;
    static int debugPort;
    static Path debugLog;

    @AfterAll
    static void stopDebugInstance() throws InterruptedException {
        if (debugInstance != null) {
            debugInstance.destroy();
            debugInstance.waitFor();
        }
    }

    @Override
    protected List<LogEntry> logsDuring(boolean cacheDebug, Runnable action) {
        if (!cacheDebug) {
            return jsonLines(PropertyTestUtil.getLogFilePath(), action);
        }
        startDebugInstance();
        int port = RestAssured.port;
        RestAssured.port = debugPort;
        try {
            return jsonLines(debugLog, action);
        } finally {
            RestAssured.port = port;
        }
    }

    private static void startDebugInstance() {
        if (debugInstance != null) {
            return;
        }
        try {
            try (ServerSocket socket = new ServerSocket(0)) {
                debugPort = socket.getLocalPort();
            }
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse("java"));
            for (Map.Entry<String, String> entry : LocalServicesResource.config().entrySet()) {
                command.add("-D" + entry.getKey() + "=" + entry.getValue());
            }
            command.add("-Dquarkus.http.port=" + debugPort);
            command.add("-jar");
            command.add(Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().toString());
            debugLog = Files.createTempFile("gad-stats-debug-instance", ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(debugLog.toFile());
            builder.environment().put(CACHE_DEBUG, "DEBUG");
            debugInstance = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> given().port(debugPort).when().get("/q/health/ready").statusCode() == 200);
    }

    private static List<LogEntry> jsonLines(Path log, Runnable action) {
        long start = size(log);
        action.run();
        // every action ends with an invalidation: its line is the event to wait for (logs are written
        // asynchronously in prod, and the launcher copies the application's output asynchronously)
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> INVALIDATE.matcher(read(log, start)).find());
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
