package com.gad.stats.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Unit test of the stored value format (no Redis needed). */
class CacheCodecTest {

    private final CacheCodec codec = new CacheCodec(64);

    private static byte[] stored(String generation, byte[] envelope) {
        byte[] gen = generation.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[gen.length + 1 + envelope.length];
        System.arraycopy(gen, 0, out, 0, gen.length);
        out[gen.length] = CacheCodec.SEPARATOR;
        System.arraycopy(envelope, 0, out, gen.length + 1, envelope.length);
        return out;
    }

    @Test
    void smallValuesRoundTripPlain() {
        byte[] json = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        byte[] envelope = codec.encode(json);
        assertEquals('j', envelope[0]);
        CacheCodec.Decoded decoded = codec.decode(stored("g1", envelope));
        assertEquals("g1", decoded.generation());
        assertArrayEquals(json, decoded.json());
    }

    @Test
    void largeValuesRoundTripCompressed() {
        byte[] json = ("{\"items\":\"" + "ñandú ".repeat(500) + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] envelope = codec.encode(json);
        assertEquals('z', envelope[0]);
        assertArrayEquals(json, codec.decode(stored("g2", envelope)).json());
    }

    @Test
    void damagedValuesAreUnreadable() {
        byte[] envelope = codec.encode("{\"total\":12}".getBytes(StandardCharsets.UTF_8));
        byte[] flipped = stored("g", envelope);
        flipped[flipped.length - 2] ^= 1;
        assertNull(codec.decode(flipped).json(), "checksum mismatch");

        byte[] truncated = java.util.Arrays.copyOf(stored("g", envelope), 6);
        assertNull(codec.decode(truncated).json(), "truncated");

        assertNull(codec.decode("no separator at all".getBytes()).json());
        assertNull(codec.decode(stored("g", new byte[] { 'q', 0, 0, 0, 0, '{' })).json(), "unknown format flag");
        byte[] badGzip = codec.encode(("{\"x\":\"" + "a".repeat(200) + "\"}").getBytes());
        badGzip[badGzip.length - 12] ^= 0x7F;
        assertNull(codec.decode(stored("g", badGzip)).json(), "corrupt gzip");
    }
}
