package com.gad.stats.overload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** Vert.x' {@code impl} packages change without notice between versions: the service uses its public API only. */
class NoInternalVertxApiTest {

    @Test
    void noSourceUsesVertxInternals() throws IOException {
        List<String> uses;
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            uses = sources.filter(path -> path.toString().endsWith(".java")).flatMap(source -> {
                try {
                    return Files.readAllLines(source).stream()
                            .filter(line -> line.contains("io.vertx.core.impl."))
                            .map(line -> source.getFileName() + ": " + line.trim());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        }
        assertEquals(List.of(), uses);
    }
}
