package com.gad.stats.tasks.model;

import com.gad.stats.common.DomainException;

/** Another task, live or deleted, already has this {@code codigo}. */
public class DuplicateCodigo extends DomainException {

    public DuplicateCodigo() {
        super(Kind.CONFLICT, "A task with this codigo already exists", "codigo");
    }
}
