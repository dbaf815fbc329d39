package io.floe.tasks.write;

/** The files a task attempt has written, and the two things that can become of them. */
public interface TaskFiles {

  /** Forgets the files written so far: they may belong to a commit now and must never be discarded. */
  void release();

  /** Deletes the files written so far (certainly uncommitted). Returns how many were removed. */
  int discardAll();
}
