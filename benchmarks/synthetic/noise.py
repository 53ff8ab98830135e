"""Files next to the labelled ones that must produce nothing: other infrastructure and non-IaC files.

Some carry traps: an EC2 role with broad sqs:SendMessage / sns:Publish grants (not an execution role), a bucket
policy with a Deny, JSON and YAML files that are not templates.
"""

from __future__ import annotations

import json
import random

from benchmarks.synthetic.emit import Tag, to_json, to_yaml

TF = {
    "network.tf": """resource "aws_vpc" "main" {{
  cidr_block           = "10.{n}.0.0/16"
  enable_dns_hostnames = true
}}

resource "aws_subnet" "private" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 4, 1)
}}

resource "aws_security_group" "app" {{
  name   = "{pid}-app"
  vpc_id = aws_vpc.main.id

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
""",
    "tables.tf": """resource "aws_dynamodb_table" "state" {{
  name         = "{pid}-state"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {{
    name = "pk"
    type = "S"
  }}
}}
""",
    "bastion.tf": """resource "aws_iam_role" "bastion" {{
  name = "{pid}-bastion"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ Service = "ec2.amazonaws.com" }}, Action = "sts:AssumeRole" }}]
  }})
}}

resource "aws_iam_role_policy" "bastion" {{
  role = aws_iam_role.bastion.id
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = ["sqs:SendMessage", "sns:Publish", "sns:Publis"], Resource = "*" }}]
  }})
}}

resource "aws_iam_instance_profile" "bastion" {{
  role = aws_iam_role.bastion.name
}}
""",
    "storage.tf": """resource "aws_s3_bucket" "assets" {{
  bucket = "acme-{pid}-assets"
}}

resource "aws_s3_bucket_policy" "assets" {{
  bucket = aws_s3_bucket.assets.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.assets.arn, "${{aws_s3_bucket.assets.arn}}/*"]
      Condition = {{ Bool = {{ "aws:SecureTransport" = "false" }} }}
    }}]
  }})
}}
""",
    "outputs.tf": """output "vpc_cidr" {{
  value = "10.{n}.0.0/16"
}}

output "project" {{
  value = "{pid}"
}}
""",
    "locals.tf": """locals {{
  tags = {{
    project = "{pid}"
    owner   = "platform"
  }}
  retention_days = {n}
}}
""",
}
OTHER = {
    "README.md": "# {pid}\n\nWorkers and their destinations. Deployed by the platform pipeline.\n",
    "package.json": '{{\n  "name": "{pid}-handlers",\n  "version": "1.{n}.0",\n  "scripts": {{"test": "jest"}}\n}}\n',
    ".github/workflows/deploy.yml": "name: deploy\non: [push]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
    "    steps:\n      - uses: actions/checkout@v4\n",
    "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {pid}-api\nspec:\n"
    "  replicas: {n}\n",
    "events/sample.json": '{{"Records": [{{"body": "{pid}", "messageId": "{n}"}}]}}\n',
}


def _template(topic: str, pid: str, n: int) -> dict:
    if topic == "network":
        resources = {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": f"10.{n}.0.0/16"}},
            "Subnet": {
                "Type": "AWS::EC2::Subnet",
                "Properties": {"VpcId": Tag("Ref", "Vpc"), "CidrBlock": f"10.{n}.1.0/24"},
            },
        }
    elif topic == "tables":
        resources = {
            "StateTable": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                },
            }
        }
    elif topic == "instance-role":
        resources = {
            "WorkQueue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"{pid}-work"}},
            "InstanceRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "ec2.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    },
                    "Policies": [
                        {
                            "PolicyName": "work",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {"Effect": "Allow", "Action": ["sqs:SendMessage", "sns:Publish"], "Resource": "*"}
                                ],
                            },
                        }
                    ],
                },
            },
        }
    else:
        resources = {
            "AlarmTopic": {"Type": "AWS::SNS::Topic", "Properties": {}},
            "ErrorsAlarm": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": "Errors",
                    "Statistic": "Sum",
                    "Period": 300,
                    "EvaluationPeriods": 1,
                    "Threshold": n,
                    "ComparisonOperator": "GreaterThanThreshold",
                    "AlarmActions": [Tag("Ref", "AlarmTopic")],
                },
            },
        }
    return {"AWSTemplateFormatVersion": "2010-09-09", "Description": f"{pid} {topic}", "Resources": resources}


TEMPLATE_TOPICS = ("network", "tables", "instance-role", "monitoring")


def terraform_files(rng: random.Random, pid: str, count: int) -> dict[str, str]:
    n = rng.randrange(1, 250)
    names = rng.sample(sorted(TF), min(count, len(TF)))
    files = {name: TF[name].format(pid=pid, n=n) for name in names}
    for name in rng.sample(sorted(OTHER), min(max(0, count - len(names)), len(OTHER))):
        files[name] = OTHER[name].format(pid=pid, n=n)
    return files


def template_files(rng: random.Random, pid: str, count: int) -> tuple[dict[str, str], list[str]]:
    """({file: text}, which of them are templates)."""
    n = rng.randrange(1, 250)
    files: dict[str, str] = {}
    templates = []
    for topic in rng.sample(TEMPLATE_TOPICS, min(count, len(TEMPLATE_TOPICS))):
        as_json = rng.random() < 0.3
        text, _ = to_json(_template(topic, pid, n)) if as_json else to_yaml(_template(topic, pid, n))
        name = f"{topic}.{'json' if as_json else 'yaml'}"
        files[name] = text
        templates.append(name)
    for name in rng.sample(sorted(OTHER), min(max(0, count - len(templates)), len(OTHER))):
        files[name] = OTHER[name].format(pid=pid, n=n)
    json.loads(files.get("package.json", "{}"))  # the noise must itself be well-formed
    return files, templates
