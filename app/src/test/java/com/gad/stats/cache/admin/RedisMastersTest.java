package com.gad.stats.cache.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

class RedisMastersTest {

    /** A CLUSTER NODES reply seen during a failover and a slot migration (Redis 7). */
    static final String NODES = """
            99dd0eef 127.0.0.1:21100@31100 master,fail - 1796054315088 1796054314084 1 disconnected
            d7dff887 127.0.0.1:21102@31102,node-c master - 0 1796054322051 3 connected 10923-16383
            2b609c38 127.0.0.1:21105@31105 myself,master - 0 1796054322798 7 connected 0-5000 5001 [5002->-576ab01c]
            529ad6fb 127.0.0.1:21104@31104 slave d7dff887 0 1796054322000 3 connected
            576ab01c :21101@31101 master,fail? - 0 1796054322000 2 connected 5002-10922 [5002-<-2b609c38]
            aaaaaaaa 127.0.0.1:21106@31106 master - 0 1796054322000 8 connected [7->-d7dff887]
            """;

    @Test
    void mastersOwningSlotsAreKeptWhateverTheirLinkState() {
        assertEquals(List.of("127.0.0.1:21102", "127.0.0.1:21105", "10.0.0.9:21101"),
                RedisMasters.clusterMasters(NODES, "10.0.0.9"));
    }

    @Test
    void aClusterWithoutSlotsIsAnError() {
        assertThrows(IllegalStateException.class, () -> RedisMasters.clusterMasters(
                "529ad6fb 127.0.0.1:21104@31104 slave d7dff887 0 1796054322000 3 connected\n", "localhost"));
    }
}
