package com.gad.stats.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

/** Unit test of the stored value format (no Redis needed). */
class CacheCodecTest {

    private final CacheCodec codec = new CacheCodec(64);

    @Test
    void smallValuesRoundTripPlain() {
        byte[] json = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        byte[] stored = codec.encode("g1", 7, json);
        assertEquals('j', stored[3]);
        CacheCodec.Envelope decoded = codec.decode(stored).orElseThrow();
        assertEquals("g1", decoded.generation());
        assertEquals(7, decoded.epoch());
        assertArrayEquals(json, decoded.json());
    }

    @Test
    void largeValuesRoundTripCompressed() {
        byte[] json = ("{\"items\":\"" + "ñandú ".repeat(500) + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] stored = codec.encode("g2", 0, json);
        assertEquals('z', stored[3]);
        assertTrue(stored.length < json.length / 4, "compressed");
        assertArrayEquals(json, codec.decode(stored).orElseThrow().json());
    }

    @Test
    void damagedValuesAreUnreadable() {
        byte[] stored = codec.encode("g", 0, "{\"total\":12}".getBytes(StandardCharsets.UTF_8));
        byte[] flipped = stored.clone();
        flipped[flipped.length - 2] ^= 1;
        assertTrue(codec.decode(flipped).isEmpty(), "checksum mismatch");
        assertTrue(codec.decode(Arrays.copyOf(stored, 6)).isEmpty(), "truncated");
        assertTrue(codec.decode("no separator at all".getBytes(StandardCharsets.US_ASCII)).isEmpty());
        byte[] unknownFlag = stored.clone();
        unknownFlag[2] = 'q';
        assertTrue(codec.decode(unknownFlag).isEmpty(), "unknown format flag");
        byte[] badGzip = codec.encode("g", 0, ("{\"x\":\"" + "a".repeat(200) + "\"}").getBytes(StandardCharsets.US_ASCII));
        badGzip[badGzip.length - 12] ^= 0x7F;
        assertTrue(codec.decode(badGzip).isEmpty(), "corrupt gzip");
    }
}
