package io.floe.tasks.keys;

/**
 * Where a key's current row is: a data file and the row's position in it, as a deletion vector
 * names it.
 */
public record RowLocation(String file, long position) {}
