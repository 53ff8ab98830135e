"""Serverless Framework services (serverless.yml): the CloudFormation the framework would generate, built
statically, then read by the CloudFormation front end in the same unit (see ``service.py``)."""
