package com.gad.stats.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** {@code common} is what every feature may use; it uses no feature: each feature maps its own exceptions. */
class CommonImportsTest {

    @Test
    void commonImportsNoOtherPackageOfTheService() throws IOException {
        Path common = Path.of("src/main/java/com/gad/stats/common");
        List<String> featureImports;
        try (Stream<Path> sources = Files.list(common)) {
            featureImports = sources.flatMap(source -> {
                try {
                    return Files.readAllLines(source).stream()
                            .filter(line -> line.startsWith("import com.gad.stats.") && !line.startsWith("import com.gad.stats.common."))
                            .map(line -> source.getFileName() + ": " + line);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
        assertEquals(List.of(), featureImports);
    }
}
