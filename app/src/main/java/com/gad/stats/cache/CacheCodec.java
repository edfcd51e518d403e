package com.gad.stats.cache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Stored form of a cached value: {@code generation 0x1F flag crc32 body}.
 * <ul>
 * <li>generation: the user's generation the value was computed under (ASCII);</li>
 * <li>flag: {@code 'j'} plain JSON or {@code 'z'} gzip-compressed JSON;</li>
 * <li>crc32: 4 bytes, big-endian, of the JSON, so a truncated or corrupt value is detected and
 * treated as a miss instead of being served.</li>
 * </ul>
 * The generation prefix is written by the Redis write-back script, which prepends the generation
 * it checked; this class encodes the rest (the "envelope").
 */
public final class CacheCodec {

    static final byte SEPARATOR = 0x1F;
    private static final byte PLAIN = 'j';
    private static final byte GZIP = 'z';
    private static final int HEADER = 5;
    /** A decompressed value larger than this is corrupt by definition (stats are ~300 bytes). */
    private static final int MAX_JSON = 4 * 1024 * 1024;

    private final int compressThreshold;

    public CacheCodec(int compressThreshold) {
        this.compressThreshold = compressThreshold;
    }

    /** A stored value split into its parts; {@code json} is null when the value is unreadable. */
    public record Decoded(String generation, byte[] json) {
        boolean readable() {
            return json != null;
        }
    }

    public byte[] encode(byte[] json) {
        boolean compress = json.length > compressThreshold;
        byte[] body = compress ? gzip(json) : json;
        byte[] out = new byte[HEADER + body.length];
        out[0] = compress ? GZIP : PLAIN;
        writeInt(out, 1, crc(json));
        System.arraycopy(body, 0, out, HEADER, body.length);
        return out;
    }

    public Decoded decode(byte[] stored) {
        int sep = indexOf(stored, SEPARATOR);
        if (sep < 0) {
            return new Decoded(null, null);
        }
        String generation = new String(stored, 0, sep, java.nio.charset.StandardCharsets.US_ASCII);
        int start = sep + 1;
        if (stored.length < start + HEADER) {
            return new Decoded(generation, null);
        }
        byte flag = stored[start];
        byte[] body = Arrays.copyOfRange(stored, start + HEADER, stored.length);
        byte[] json;
        if (flag == PLAIN) {
            json = body;
        } else if (flag == GZIP) {
            json = gunzip(body);
        } else {
            json = null;
        }
        if (json == null || crc(json) != readInt(stored, start + 1) || json.length == 0 || json[0] != '{') {
            return new Decoded(generation, null);
        }
        return new Decoded(generation, json);
    }

    private static int indexOf(byte[] bytes, byte b) {
        // the generation is a short token: look only at the first bytes
        for (int i = 0; i < Math.min(bytes.length, 64); i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static int crc(byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(data);
        return (int) crc.getValue();
    }

    private static void writeInt(byte[] out, int at, int v) {
        out[at] = (byte) (v >>> 24);
        out[at + 1] = (byte) (v >>> 16);
        out[at + 2] = (byte) (v >>> 8);
        out[at + 3] = (byte) v;
    }

    private static int readInt(byte[] in, int at) {
        return ((in[at] & 0xFF) << 24) | ((in[at + 1] & 0xFF) << 16) | ((in[at + 2] & 0xFF) << 8) | (in[at + 3] & 0xFF);
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 3 + 32);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] gunzip(byte[] data) {
        try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(data))) {
            byte[] json = gz.readNBytes(MAX_JSON + 1);
            return json.length > MAX_JSON ? null : json;
        } catch (IOException e) {
            return null;
        }
    }
}
