package io.floe.tasks.contract;

/**
 * The work a task names. Each type is a record with its own payload; new types are added here
 * and to {@link TaskCodec} together, so a runner that does not know a type rejects it clearly.
 */
public sealed interface Task permits MaterializeTask, CompactTask, MaintainTask {

  /** The wire name of this task type, the envelope's {@code type} field. */
  String type();

  /** The table this task works on, as {@code namespace.name}; the task topic is keyed by it. */
  String table();
}
