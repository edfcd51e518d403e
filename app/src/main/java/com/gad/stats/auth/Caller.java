package com.gad.stats.auth;

import com.gad.stats.common.ApiException;

import io.quarkus.security.identity.SecurityIdentity;

/** The authenticated caller of a request: its user id (the token's numeric {@code sub}) and roles. */
public record Caller(long id, boolean supervisor, boolean admin) {

    public static Caller of(SecurityIdentity identity) {
        Long id = identity.getAttribute(NumericSubjectAugmentor.USER_ID);
        if (id == null) {
            throw ApiException.unauthorized("A valid bearer token is required");
        }
        return new Caller(id, identity.hasRole(Roles.SUPERVISOR), identity.hasRole(Roles.ADMIN));
    }

    /** Supervisors and administrators read anyone; an efectivo only themself. */
    public void requireSelfOrStaff(long userId) {
        if (id != userId && !supervisor && !admin) {
            throw ApiException.forbidden("You may only access your own data");
        }
    }

    /** Only the user themself or an administrator. */
    public void requireSelfOrAdmin(long userId) {
        if (id != userId && !admin) {
            throw ApiException.forbidden("You may only access your own data");
        }
    }
}
