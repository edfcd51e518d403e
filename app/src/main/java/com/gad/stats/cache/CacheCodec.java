package com.gad.stats.cache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Stored form of a cached value: {@code generation 0x1F flag epoch crc32 body}.
 * <ul>
 * <li>generation: the user's generation the value was computed under (ASCII);</li>
 * <li>flag: {@code 'j'} plain JSON or {@code 'z'} gzip-compressed JSON;</li>
 * <li>epoch: 8 bytes, big-endian, the {@link CacheEpoch} at computation time;</li>
 * <li>crc32: 4 bytes, big-endian, of the JSON, so a truncated or corrupt value is detected and
 * treated as a miss instead of being served.</li>
 * </ul>
 */
public final class CacheCodec {

    static final byte SEPARATOR = 0x1F;
    private static final byte PLAIN = 'j';
    private static final byte GZIP = 'z';
    private static final int HEADER = 1 + Long.BYTES + Integer.BYTES;
    /** Generations are short tokens: a separator further in means the value is not ours. */
    private static final int MAX_GENERATION = 64;
    /** A decompressed value larger than this is corrupt by definition (stats are ~300 bytes). */
    private static final int MAX_JSON = 4 * 1024 * 1024;

    /**
     * Values larger than this many bytes are stored gzip-compressed. A user's statistics are about
     * 300 bytes, so only unusual values pay for compression; below a kilobyte gzip saves little.
     */
    public static final int COMPRESS_THRESHOLD = 1024;

    private final int compressThreshold;

    public CacheCodec() {
        this(COMPRESS_THRESHOLD);
    }

    CacheCodec(int compressThreshold) {
        this.compressThreshold = compressThreshold;
    }

    /** A readable stored value. */
    public record Envelope(String generation, long epoch, byte[] json) {
    }

    public byte[] encode(String generation, long epoch, byte[] json) {
        boolean compress = json.length > compressThreshold;
        byte[] body = compress ? gzip(json) : json;
        byte[] gen = generation.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(gen.length + 1 + HEADER + body.length)
                .put(gen)
                .put(SEPARATOR)
                .put(compress ? GZIP : PLAIN)
                .putLong(epoch)
                .putInt(crc(json))
                .put(body)
                .array();
    }

    /** The value's parts, or empty when the bytes are not a value this codec wrote intact. */
    public Optional<Envelope> decode(byte[] stored) {
        int sep = separator(stored);
        if (sep < 0 || stored.length < sep + 1 + HEADER) {
            return Optional.empty();
        }
        ByteBuffer header = ByteBuffer.wrap(stored, sep + 1, HEADER);
        byte flag = header.get();
        long epoch = header.getLong();
        int crc = header.getInt();
        byte[] body = Arrays.copyOfRange(stored, sep + 1 + HEADER, stored.length);
        byte[] json = switch (flag) {
            case PLAIN -> body;
            case GZIP -> gunzip(body);
            default -> null;
        };
        if (json == null || json.length == 0 || json[0] != '{' || crc(json) != crc) {
            return Optional.empty();
        }
        return Optional.of(new Envelope(new String(stored, 0, sep, StandardCharsets.US_ASCII), epoch, json));
    }

    private static int separator(byte[] bytes) {
        for (int i = 0; i < Math.min(bytes.length, MAX_GENERATION); i++) {
            if (bytes[i] == SEPARATOR) {
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

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 3 + 32);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The JSON, or null when the body is not intact gzip (reported as unreadable by the caller). */
    private static byte[] gunzip(byte[] data) {
        try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(data))) {
            byte[] json = gz.readNBytes(MAX_JSON + 1);
            return json.length > MAX_JSON ? null : json;
        } catch (IOException e) {
            return null;
        }
    }
}
