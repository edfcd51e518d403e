package com.gad.stats.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.gad.stats.support.Tokens;

/**
 * Builds tokens byte by byte (header, payload and signature chosen freely), including the ones no
 * JWT library would mint: {@code alg: none}, HS256 keyed with the RSA public key, tampered
 * payloads, attacker keys embedded in the header.
 */
final class JwtForge {

    static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private JwtForge() {
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    /** The usual claims of a GAD token for this user and role, with {@code extra} JSON members appended. */
    static String claims(String sub, String role, String issuer, long iat, long exp, String extra) {
        StringBuilder sb = new StringBuilder("{");
        if (sub != null) {
            sb.append("\"sub\":").append(sub.startsWith("#") ? sub.substring(1) : "\"" + sub + "\"").append(',');
        }
        if (issuer != null) {
            sb.append("\"iss\":\"").append(issuer).append("\",");
        }
        sb.append("\"upn\":\"forged@gad.test\",\"groups\":[\"").append(role).append("\"],");
        sb.append("\"iat\":").append(iat);
        if (exp > 0) {
            sb.append(",\"exp\":").append(exp);
        }
        if (extra != null && !extra.isEmpty()) {
            sb.append(',').append(extra);
        }
        return sb.append('}').toString();
    }

    static String validClaims(long userId, String role) {
        return claims(Long.toString(userId), role, Tokens.ISSUER, now(), now() + 600, null);
    }

    static String rs(String alg, String headerExtra, String claims, PrivateKey key) {
        String header = "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"" + (headerExtra == null ? "" : "," + headerExtra) + "}";
        String signingInput = b64(header) + "." + b64(claims);
        String javaAlg = switch (alg) {
            case "RS256" -> "SHA256withRSA";
            case "RS384" -> "SHA384withRSA";
            case "RS512" -> "SHA512withRSA";
            default -> throw new IllegalArgumentException(alg);
        };
        try {
            Signature signature = Signature.getInstance(javaAlg);
            signature.initSign(key);
            signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + B64.encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String rs256(String claims, PrivateKey key) {
        return rs("RS256", null, claims, key);
    }

    static String hs256(String claims, byte[] secret) {
        String signingInput = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + b64(claims);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return signingInput + "." + B64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String none(String claims, String signature) {
        return b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64(claims) + "." + signature;
    }

    /** The token with its payload replaced, the original signature kept. */
    static String withPayload(String token, String claims) {
        String[] parts = token.split("\\.");
        return parts[0] + "." + b64(claims) + "." + parts[2];
    }

    /** The public half of a private key as a JWK ({@code n}, {@code e}). */
    static String jwk(PrivateKey key) {
        RSAPrivateCrtKey crt = (RSAPrivateCrtKey) key;
        try {
            RSAPublicKey pub = (RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
            return "{\"kty\":\"RSA\",\"n\":\"" + unsigned(pub.getModulus()) + "\",\"e\":\"" + unsigned(pub.getPublicExponent()) + "\"}";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] resource(String name) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String b64(String json) {
        return B64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes[0] == 0) {
            bytes = java.util.Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return B64.encodeToString(bytes);
    }
}
