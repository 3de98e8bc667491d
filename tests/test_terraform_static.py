"""terraform fmt for every module and env.

`terraform validate` is not run on its own: every module and env is planned by its inventory cases
(tests/test_plan_inventories.py asserts each has one), and a plan validates the configuration first.
"""

import tfplan


def test_fmt():
    result = tfplan.terraform(
        ["fmt", "-check", "-recursive", "-diff", "modules", "envs"], tfplan.REPO, check=False
    )
    assert result.returncode == 0, (
        f"terraform fmt would change (run make fmt):\n{result.stdout}{result.stderr}"
    )
