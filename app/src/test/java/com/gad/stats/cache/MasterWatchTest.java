package com.gad.stats.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** What counts as a master change between two looks. */
class MasterWatchTest {

    @Test
    void aPromotionARestartAndAMasterAddedOrGoneAreChanges() {
        Map<String, String> before = Map.of("10.0.0.1:6379", "r1", "10.0.0.2:6379", "r2");

        assertEquals(List.of(), MasterWatch.differences(before, Map.of("10.0.0.1:6379", "r1", "10.0.0.2:6379", "r2")));
        assertEquals(List.of("10.0.0.2:6379 is no longer a master", "10.0.0.5:6379 is a master now"),
                MasterWatch.differences(before, Map.of("10.0.0.1:6379", "r1", "10.0.0.5:6379", "r5")));
        assertEquals(List.of("10.0.0.1:6379 is another process now (run_id r1 -> r9)"),
                MasterWatch.differences(before, Map.of("10.0.0.1:6379", "r9", "10.0.0.2:6379", "r2")));
    }

    @Test
    void aMasterThatDidNotAnswerIsNoChange() {
        assertEquals(List.of(), MasterWatch.differences(Map.of("master", "r1"), Map.of("master", "?")));
        assertEquals(List.of(), MasterWatch.differences(Map.of("master", "?"), Map.of("master", "r1")));
    }
}
