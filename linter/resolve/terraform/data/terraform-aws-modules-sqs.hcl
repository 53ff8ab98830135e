# The linter's model of the registry module terraform-aws-modules/sqs/aws, used when `terraform init` has not
# downloaded it. It keeps what a Lambda destination or event source depends on: the queue and its dead-letter queue
# (names, FIFO, the customer managed key), the queue policy the module writes when asked, and the outputs that
# name them (v4 and later, and the sqs_queue_* names of v3). Input names and defaults are the module's.

variable "create" {
  default = true
}
variable "name" {
  default = null
}
variable "use_name_prefix" {
  default = false
}
variable "fifo_queue" {
  default = false
}
variable "kms_master_key_id" {
  default = null
}
variable "sqs_managed_sse_enabled" {
  default = true
}
variable "create_queue_policy" {
  default = false
}
variable "queue_policy_statements" {
  default = {}
}
variable "create_dlq" {
  default = false
}
variable "dlq_name" {
  default = null
}
variable "dlq_kms_master_key_id" {
  default = null
}

locals {
  name                  = try(trimsuffix(var.name, ".fifo"), "")
  stripped_dlq_name     = try(trimsuffix(var.dlq_name, ".fifo"), "")
  inter_dlq_name        = try(coalesce(local.stripped_dlq_name, "${local.name}-dlq"), "")
  dlq_name              = var.fifo_queue && !var.use_name_prefix ? "${local.inter_dlq_name}.fifo" : local.inter_dlq_name
  dlq_kms_master_key_id = try(coalesce(var.dlq_kms_master_key_id, var.kms_master_key_id), null)
}

resource "aws_sqs_queue" "this" {
  count             = var.create ? 1 : 0
  name              = var.use_name_prefix ? null : (var.fifo_queue ? "${local.name}.fifo" : local.name)
  name_prefix       = var.use_name_prefix ? "${local.name}-" : null
  fifo_queue        = var.fifo_queue
  kms_master_key_id = var.kms_master_key_id
}

data "aws_iam_policy_document" "this" {
  count = var.create && var.create_queue_policy ? 1 : 0
  dynamic "statement" {
    for_each = var.queue_policy_statements != null ? var.queue_policy_statements : {}
    content {
      sid           = try(coalesce(statement.value.sid, statement.key), statement.key)
      actions       = try(statement.value.actions, null)
      not_actions   = try(statement.value.not_actions, null)
      effect        = try(statement.value.effect, null)
      resources     = try(statement.value.resources, null) != null ? statement.value.resources : [aws_sqs_queue.this[0].arn]
      not_resources = try(statement.value.not_resources, null)
      dynamic "principals" {
        for_each = try(statement.value.principals, null) != null ? statement.value.principals : []
        content {
          type        = principals.value.type
          identifiers = principals.value.identifiers
        }
      }
      dynamic "not_principals" {
        for_each = try(statement.value.not_principals, null) != null ? statement.value.not_principals : []
        content {
          type        = not_principals.value.type
          identifiers = not_principals.value.identifiers
        }
      }
      dynamic "condition" {
        for_each = try(statement.value.condition, null) != null ? statement.value.condition : []
        content {
          test     = condition.value.test
          values   = condition.value.values
          variable = condition.value.variable
        }
      }
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  count     = var.create && var.create_queue_policy ? 1 : 0
  queue_url = aws_sqs_queue.this[0].url
  policy    = data.aws_iam_policy_document.this[0].json
}

resource "aws_sqs_queue" "dlq" {
  count             = var.create && var.create_dlq ? 1 : 0
  name              = var.use_name_prefix ? null : local.dlq_name
  name_prefix       = var.use_name_prefix ? "${local.dlq_name}-" : null
  fifo_queue        = var.fifo_queue
  kms_master_key_id = local.dlq_kms_master_key_id
}

output "queue_id" {
  value = try(aws_sqs_queue.this[0].id, null)
}
output "queue_arn" {
  value = try(aws_sqs_queue.this[0].arn, null)
}
output "queue_url" {
  value = try(aws_sqs_queue.this[0].url, null)
}
output "queue_name" {
  value = try(aws_sqs_queue.this[0].name, null)
}
output "dead_letter_queue_id" {
  value = try(aws_sqs_queue.dlq[0].id, null)
}
output "dead_letter_queue_arn" {
  value = try(aws_sqs_queue.dlq[0].arn, null)
}
output "dead_letter_queue_url" {
  value = try(aws_sqs_queue.dlq[0].url, null)
}
output "dead_letter_queue_name" {
  value = try(aws_sqs_queue.dlq[0].name, null)
}
output "sqs_queue_id" {
  value = try(aws_sqs_queue.this[0].id, "")
}
output "sqs_queue_arn" {
  value = try(aws_sqs_queue.this[0].arn, "")
}
output "sqs_queue_name" {
  value = try(aws_sqs_queue.this[0].name, "")
}
