# The ARNs are published only once the policies are attached, so that a service created from them
# never starts tasks with a role that cannot do its work yet.

output "task_role_arn" {
  description = "ARN of the runner task role (runner-service's task_role_arn)."
  value       = aws_iam_role.task.arn
  depends_on  = [aws_iam_role_policy.task]
}

output "task_role_name" {
  description = "Name of the runner task role, to attach further policies."
  value       = aws_iam_role.task.name
  depends_on  = [aws_iam_role_policy.task]
}

output "execution_role_arn" {
  description = "ARN of the runner task execution role (runner-service's execution_role_arn)."
  value       = aws_iam_role.execution.arn
  depends_on  = [aws_iam_role_policy.execution]
}

output "execution_role_name" {
  description = "Name of the runner task execution role, to attach further policies."
  value       = aws_iam_role.execution.name
  depends_on  = [aws_iam_role_policy.execution]
}
