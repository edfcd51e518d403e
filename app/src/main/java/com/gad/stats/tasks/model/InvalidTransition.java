package com.gad.stats.tasks.model;

import com.gad.stats.common.DomainException;

/** A change of {@code estado} that the state machine of {@link Estado} does not allow. */
public class InvalidTransition extends DomainException {

    public InvalidTransition(Estado from, Estado to) {
        super(Kind.CONFLICT, "A task cannot go from " + from.value() + " to " + to.value(), "estado");
    }
}
