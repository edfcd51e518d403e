package com.gad.stats.tasks.model;

import com.gad.stats.common.DomainException;

/** No live (not deleted) task has this id. */
public class TaskNotFound extends DomainException {

    public TaskNotFound(long id) {
        super(Kind.NOT_FOUND, "No task with id " + id, null);
    }
}
