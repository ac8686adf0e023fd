"""Seawall's Pulumi policy pack: residency and security guard-rails checked before deployment.

`pulumi up --policy-pack infra/policies` runs `__main__.py`, which serves the policies in
`residency.py` (ResourceValidationPolicy / StackValidationPolicy, all mandatory).
"""
