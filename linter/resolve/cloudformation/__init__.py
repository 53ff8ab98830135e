"""CloudFormation front end: a template's intrinsics, policies and targets, and the model built from them; SAM
through its real transform, nested stacks, and CDK output."""
