# The linter's model of the registry module terraform-aws-modules/dynamodb-table/aws, used when `terraform init`
# has not downloaded it. It keeps what an event source mapping that reads the table's stream depends on: the table,
# its stream, and the outputs that name them. (The module writes the table as one of three resources, with or
# without autoscaling; they are the same table to Lambda.) Input names and defaults are the module's.

variable "create_table" {
  default = true
}
variable "name" {
  default = null
}
variable "stream_enabled" {
  default = false
}
variable "stream_view_type" {
  default = null
}

resource "aws_dynamodb_table" "this" {
  count            = var.create_table ? 1 : 0
  name             = var.name
  stream_enabled   = var.stream_enabled
  stream_view_type = var.stream_view_type
}

output "dynamodb_table_arn" {
  value = try(aws_dynamodb_table.this[0].arn, "")
}
output "dynamodb_table_id" {
  value = try(aws_dynamodb_table.this[0].id, "")
}
output "dynamodb_table_stream_arn" {
  value = try(aws_dynamodb_table.this[0].stream_arn, "")
}
output "dynamodb_table_stream_label" {
  value = try(aws_dynamodb_table.this[0].stream_label, "")
}
