"""The access matrix: who may do what to which resource, evaluated from the Terraform plans (issue 5)."""
