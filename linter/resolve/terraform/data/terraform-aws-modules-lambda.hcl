# The linter's model of the registry module terraform-aws-modules/lambda/aws, used when `terraform init` has not
# downloaded it (with .terraform/modules present, the real module is read instead). It is written from the module's
# documented inputs and keeps only what decides where records go and what the execution role may do: the function,
# the role it creates (or the one given in lambda_role), every policy the module can attach to that role, the
# function's dead-letter target (dead_letter_target_arn), the asynchronous invocation config with its destinations,
# and the event source mappings. Input names and defaults are the module's (v7 and v8).

variable "create" {
  default = true
}
variable "create_function" {
  default = true
}
variable "create_layer" {
  default = false
}
variable "create_role" {
  default = true
}
variable "function_name" {
  default = ""
}
variable "lambda_role" {
  default = ""
}
variable "role_name" {
  default = null
}
variable "role_path" {
  default = null
}
variable "role_permissions_boundary" {
  default = null
}
variable "policy_name" {
  default = null
}
variable "attach_async_event_policy" {
  default = false
}
variable "attach_dead_letter_policy" {
  default = false
}
variable "dead_letter_target_arn" {
  default = null
}
variable "attach_network_policy" {
  default = false
}
variable "attach_policy_json" {
  default = false
}
variable "policy_json" {
  default = null
}
variable "attach_policy_jsons" {
  default = false
}
variable "policy_jsons" {
  default = []
}
variable "number_of_policy_jsons" {
  default = 0
}
variable "attach_policy" {
  default = false
}
variable "policy" {
  default = null
}
variable "attach_policies" {
  default = false
}
variable "policies" {
  default = []
}
variable "number_of_policies" {
  default = 0
}
variable "attach_policy_statements" {
  default = false
}
variable "policy_statements" {
  default = {}
}
variable "create_async_event_config" {
  default = false
}
variable "create_current_version_async_event_config" {
  default = true
}
variable "create_unqualified_alias_async_event_config" {
  default = true
}
variable "destination_on_failure" {
  default = null
}
variable "destination_on_success" {
  default = null
}
variable "maximum_event_age_in_seconds" {
  default = null
}
variable "maximum_retry_attempts" {
  default = null
}
variable "event_source_mapping" {
  default = {}
}
variable "create_unqualified_alias_allowed_triggers" {
  default = true
}

locals {
  create_function = var.create && var.create_function && !var.create_layer
  create_role     = local.create_function && var.create_role
  role_name       = local.create_role ? coalesce(var.role_name, var.function_name, "*") : null
  policy_name     = coalesce(var.policy_name, local.role_name, "*")
  qualifiers = zipmap(["current_version", "unqualified_alias"], [
    var.create_current_version_async_event_config ? true : null,
    var.create_unqualified_alias_async_event_config ? true : null,
  ])
}

resource "aws_lambda_function" "this" {
  count         = local.create_function ? 1 : 0
  function_name = var.function_name
  role          = var.create_role ? aws_iam_role.lambda[0].arn : var.lambda_role

  dynamic "dead_letter_config" {
    for_each = var.dead_letter_target_arn == null ? [] : [true]
    content {
      target_arn = var.dead_letter_target_arn
    }
  }
}

resource "aws_iam_role" "lambda" {
  count                = local.create_role ? 1 : 0
  name                 = local.role_name
  path                 = var.role_path
  permissions_boundary = var.role_permissions_boundary
}

data "aws_iam_policy_document" "async" {
  count = local.create_role && var.attach_async_event_policy ? 1 : 0
  statement {
    effect    = "Allow"
    actions   = ["sns:Publish", "sqs:SendMessage", "events:PutEvents", "lambda:InvokeFunction"]
    resources = compact(distinct([var.destination_on_failure, var.destination_on_success]))
  }
}

resource "aws_iam_role_policy" "async" {
  count  = local.create_role && var.attach_async_event_policy ? 1 : 0
  name   = "${local.policy_name}-async"
  role   = aws_iam_role.lambda[0].name
  policy = data.aws_iam_policy_document.async[0].json
}

data "aws_iam_policy_document" "dead_letter" {
  count = local.create_role && var.attach_dead_letter_policy ? 1 : 0
  statement {
    effect    = "Allow"
    actions   = ["sns:Publish", "sqs:SendMessage"]
    resources = [var.dead_letter_target_arn]
  }
}

resource "aws_iam_role_policy" "dead_letter" {
  count  = local.create_role && var.attach_dead_letter_policy ? 1 : 0
  name   = "${local.policy_name}-dl"
  role   = aws_iam_role.lambda[0].name
  policy = data.aws_iam_policy_document.dead_letter[0].json
}

data "aws_iam_policy" "vpc" {
  count = local.create_role && var.attach_network_policy ? 1 : 0
  arn   = "arn:aws:iam::aws:policy/service-role/AWSLambdaENIManagementAccess"
}

resource "aws_iam_role_policy" "vpc" {
  count  = local.create_role && var.attach_network_policy ? 1 : 0
  name   = "${local.policy_name}-vpc"
  role   = aws_iam_role.lambda[0].name
  policy = data.aws_iam_policy.vpc[0].policy
}

resource "aws_iam_role_policy" "additional_json" {
  count  = local.create_role && var.attach_policy_json ? 1 : 0
  name   = local.policy_name
  role   = aws_iam_role.lambda[0].name
  policy = var.policy_json
}

resource "aws_iam_role_policy" "additional_jsons" {
  count  = local.create_role && var.attach_policy_jsons ? var.number_of_policy_jsons : 0
  name   = "${local.policy_name}-${count.index}"
  role   = aws_iam_role.lambda[0].name
  policy = var.policy_jsons[count.index]
}

resource "aws_iam_role_policy_attachment" "additional_one" {
  count      = local.create_role && var.attach_policy ? 1 : 0
  role       = aws_iam_role.lambda[0].name
  policy_arn = var.policy
}

resource "aws_iam_role_policy_attachment" "additional_many" {
  count      = local.create_role && var.attach_policies ? var.number_of_policies : 0
  role       = aws_iam_role.lambda[0].name
  policy_arn = var.policies[count.index]
}

data "aws_iam_policy_document" "additional_inline" {
  count = local.create_role && var.attach_policy_statements ? 1 : 0
  dynamic "statement" {
    for_each = var.policy_statements
    content {
      sid           = try(statement.value.sid, replace(statement.key, "/[^0-9A-Za-z]*/", ""))
      effect        = try(statement.value.effect, null)
      actions       = try(statement.value.actions, null)
      not_actions   = try(statement.value.not_actions, null)
      resources     = try(statement.value.resources, null)
      not_resources = try(statement.value.not_resources, null)
      dynamic "condition" {
        for_each = try(statement.value.condition, [])
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_iam_role_policy" "additional_inline" {
  count  = local.create_role && var.attach_policy_statements ? 1 : 0
  name   = "${local.policy_name}-inline"
  role   = aws_iam_role.lambda[0].name
  policy = data.aws_iam_policy_document.additional_inline[0].json
}

resource "aws_lambda_function_event_invoke_config" "this" {
  for_each = { for k, v in local.qualifiers : k => v if v != null && local.create_function && var.create_async_event_config }

  function_name = aws_lambda_function.this[0].function_name
  qualifier     = each.key == "current_version" ? aws_lambda_function.this[0].version : null

  maximum_event_age_in_seconds = var.maximum_event_age_in_seconds
  maximum_retry_attempts       = var.maximum_retry_attempts

  dynamic "destination_config" {
    for_each = var.destination_on_failure != null || var.destination_on_success != null ? [true] : []
    content {
      dynamic "on_failure" {
        for_each = var.destination_on_failure != null ? [true] : []
        content {
          destination = var.destination_on_failure
        }
      }
      dynamic "on_success" {
        for_each = var.destination_on_success != null ? [true] : []
        content {
          destination = var.destination_on_success
        }
      }
    }
  }
}

resource "aws_lambda_event_source_mapping" "this" {
  for_each = { for k, v in var.event_source_mapping : k => v if local.create_function && var.create_unqualified_alias_allowed_triggers }

  function_name    = aws_lambda_function.this[0].arn
  event_source_arn = try(each.value.event_source_arn, null)

  dynamic "destination_config" {
    for_each = try(each.value.destination_arn_on_failure, null) != null ? [true] : []
    content {
      on_failure {
        destination_arn = each.value["destination_arn_on_failure"]
      }
    }
  }
}

output "lambda_function_arn" {
  value = try(aws_lambda_function.this[0].arn, "")
}
output "lambda_function_name" {
  value = try(aws_lambda_function.this[0].function_name, "")
}
output "lambda_function_qualified_arn" {
  value = try(aws_lambda_function.this[0].qualified_arn, "")
}
output "lambda_function_invoke_arn" {
  value = try(aws_lambda_function.this[0].invoke_arn, "")
}
output "lambda_role_arn" {
  value = try(aws_iam_role.lambda[0].arn, "")
}
output "lambda_role_name" {
  value = try(aws_iam_role.lambda[0].name, "")
}
