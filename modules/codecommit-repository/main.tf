# The CodeCommit repository that holds the training source, in a module of its own: the pipeline refers to it by
# name, so replacing or destroying the pipeline never destroys the repository and its history.

resource "aws_codecommit_repository" "this" {
  repository_name = var.name
  description     = var.description
  default_branch  = var.default_branch
  # No kms_key_id: CodeCommit's AWS managed key (aws/codecommit), on purpose. With a customer managed key, everyone
  # who creates, pushes to or pulls from the repository needs kms:Encrypt, Decrypt, GenerateDataKey and DescribeKey
  # on it, including the role that runs Terraform: the artifact CMK's administrators may not use it, so
  # CreateRepository would fail, and every source writer and the pipeline role would become key users. The
  # AWS managed key can only be used through CodeCommit in this account, and IAM (codecommit:GitPush) stays the
  # one control over who writes the source. https://docs.aws.amazon.com/codecommit/latest/userguide/encryption.html
  tags = var.tags
}

# Pull requests into the default branch need approvals (CodeCommit approval rules apply to pull requests; whoever
# may push to the branch directly is governed by IAM: modules/personas, source_writers).
# https://docs.aws.amazon.com/codecommit/latest/userguide/approval-rule-templates.html
resource "aws_codecommit_approval_rule_template" "this" {
  # checkov:skip=CKV_AWS_257: how many reviewers a pull request needs is the team's choice (pull_request_approvals, validated 0-25); a second, independent gate before production is the pipeline's manual approval by an approver persona.
  count = var.pull_request_approvals > 0 ? 1 : 0

  name        = "${var.name}-review"
  description = "Pull requests into ${var.default_branch} of ${var.name} need ${var.pull_request_approvals} approval(s)."
  content = jsonencode({
    Version               = "2018-11-08"
    DestinationReferences = ["refs/heads/${var.default_branch}"]
    Statements = [{
      Type                    = "Approvers"
      NumberOfApprovalsNeeded = var.pull_request_approvals
    }]
  })
}

resource "aws_codecommit_approval_rule_template_association" "this" {
  count = length(aws_codecommit_approval_rule_template.this)

  approval_rule_template_name = aws_codecommit_approval_rule_template.this[0].name
  repository_name             = aws_codecommit_repository.this.repository_name
}
