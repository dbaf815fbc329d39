package io.floe.tasks.materialize;

import io.floe.tasks.commit.TableChange;

/**
 * What the write stage produced: the change to commit, and its size for the task's result.
 *
 * @param records rows written
 * @param files data files written
 * @param bytes bytes of those files
 */
record WriteResult(TableChange change, long records, int files, long bytes) {}
