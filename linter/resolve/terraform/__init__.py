"""Terraform front end: a module's declarations, its evaluator, and the model built from them; plan JSON; models of
registry modules that ``terraform init`` has not downloaded."""
