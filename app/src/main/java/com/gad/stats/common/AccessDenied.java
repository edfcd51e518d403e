package com.gad.stats.common;

/** The caller is authenticated but its role or ownership does not allow the operation. */
public class AccessDenied extends DomainException {

    /** The detail of a refusal by role alone, the same as the framework's for {@code @RolesAllowed}. */
    public static final String ROLE = "Your role does not allow this operation";

    public AccessDenied(String detail) {
        super(Kind.FORBIDDEN, detail, null);
    }
}
