package com.gad.stats.common;

/** A parameter or body member that breaks a rule; {@code field} names it (null for the body as a whole). */
public class InvalidInput extends DomainException {

    public InvalidInput(String field, String detail) {
        super(Kind.INVALID, detail, field);
    }
}
