package com.gad.stats.auth;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Every GAD token identifies a user by {@code sub} = the user id as a decimal string. A token
 * without it, or with anything else there, is rejected (401) even when its signature is valid. An
 * accepted identity is handed to {@link RememberedIdentities}, which answers for the same token
 * next time; such an identity carries the user id already and passes through.
 */
@ApplicationScoped
public class NumericSubjectAugmentor implements SecurityIdentityAugmentor {

    /** Identity attribute holding the caller's user id ({@link Long}). */
    public static final String USER_ID = "gad.user-id";

    /** Messages of the rejections, recognized by {@link AuthFailureLog}. */
    static final String SUBJECT_MISSING = "token has no subject";
    static final String SUBJECT_NOT_A_USER_ID = "token subject is not a user id";

    private final RememberedIdentities remembered;

    NumericSubjectAugmentor(RememberedIdentities remembered) {
        this.remembered = remembered;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)
                || identity.getAttribute(USER_ID) != null) {
            return Uni.createFrom().item(identity);
        }
        if (jwt.getSubject() == null) {
            return Uni.createFrom().failure(new AuthenticationFailedException(SUBJECT_MISSING));
        }
        long userId = parseUserId(jwt.getSubject());
        if (userId <= 0) {
            return Uni.createFrom().failure(new AuthenticationFailedException(SUBJECT_NOT_A_USER_ID));
        }
        SecurityIdentity accepted = QuarkusSecurityIdentity.builder(identity)
                .addAttribute(USER_ID, userId)
                .build();
        remembered.remember(accepted, userId);
        return Uni.createFrom().item(accepted);
    }

    static long parseUserId(String subject) {
        if (subject == null || subject.isEmpty() || subject.length() > 19) {
            return -1;
        }
        for (int i = 0; i < subject.length(); i++) {
            char c = subject.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
        }
        try {
            return Long.parseLong(subject);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
