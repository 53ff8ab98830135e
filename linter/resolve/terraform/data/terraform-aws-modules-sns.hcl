# The linter's model of the registry module terraform-aws-modules/sns/aws, used when `terraform init` has not
# downloaded it. It keeps what a Lambda destination depends on: the topic (name, FIFO, the customer managed key)
# and the outputs that name it (v5 and later, and the sns_topic_* names of earlier versions). The topic policy is
# left out: its default statement is conditioned on AWS:SourceAccount, a key IAM sets only when a service principal
# acts for the account, not on a function's own requests; the destination then rests on the execution role, as
# Lambda's documentation says it does. Input names and defaults are the module's.

variable "create" {
  default = true
}
variable "name" {
  default = null
}
variable "use_name_prefix" {
  default = false
}
variable "fifo_topic" {
  default = false
}
variable "kms_master_key_id" {
  default = null
}

locals {
  name = try(trimsuffix(var.name, ".fifo"), "")
}

resource "aws_sns_topic" "this" {
  count             = var.create ? 1 : 0
  name              = var.use_name_prefix ? null : (var.fifo_topic ? "${local.name}.fifo" : local.name)
  name_prefix       = var.use_name_prefix ? "${local.name}-" : null
  fifo_topic        = var.fifo_topic
  kms_master_key_id = var.kms_master_key_id
}

output "topic_arn" {
  value = try(aws_sns_topic.this[0].arn, null)
}
output "topic_id" {
  value = try(aws_sns_topic.this[0].id, null)
}
output "topic_name" {
  value = try(aws_sns_topic.this[0].name, null)
}
output "sns_topic_arn" {
  value = try(aws_sns_topic.this[0].arn, "")
}
output "sns_topic_id" {
  value = try(aws_sns_topic.this[0].id, "")
}
output "sns_topic_name" {
  value = try(aws_sns_topic.this[0].name, "")
}
