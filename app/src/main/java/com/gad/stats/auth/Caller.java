package com.gad.stats.auth;

import com.gad.stats.common.AccessDenied;

import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;

/** The authenticated caller of a request: its user id (the token's numeric {@code sub}) and roles. */
public record Caller(long id, boolean supervisor, boolean admin) {

    public static Caller of(SecurityIdentity identity) {
        Long id = identity.getAttribute(NumericSubjectAugmentor.USER_ID);
        if (id == null) {
            // NumericSubjectAugmentor refuses such tokens first; this only guards a misconfiguration
            throw new UnauthorizedException();
        }
        return new Caller(id, identity.hasRole(Roles.SUPERVISOR), identity.hasRole(Roles.ADMIN));
    }

    /** A supervisor or an administrator. */
    public boolean staff() {
        return supervisor || admin;
    }

    /** Supervisors and administrators read anyone; an efectivo only themself. */
    public void requireSelfOrStaff(long userId) {
        if (id != userId && !staff()) {
            throw new AccessDenied("You may only access your own data");
        }
    }

    /** Only the user themself or an administrator. */
    public void requireSelfOrAdmin(long userId) {
        if (id != userId && !admin) {
            throw new AccessDenied("You may only access your own data");
        }
    }
}
