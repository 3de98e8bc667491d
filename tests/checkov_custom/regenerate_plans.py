"""Regenerate the plan-JSON fixtures (<check>/pass.plan.json, <check>/fail.plan.json) from the HCL fixtures.

Run from the repo root: `.venv/bin/python tests/checkov_custom/regenerate_plans.py`. Needs Terraform and the
hashicorp/aws provider (build/terraform.rc), no AWS: each fixture dir is copied to .tftest/, given a
credential-less provider, planned and shown as JSON. Commit the result; the tests do not run Terraform.

Provider 5.100.0 calls states:ValidateStateMachineDefinition during *plan* of aws_sfn_state_machine; a stub
on loopback answers {"result": "OK"} (the provider's `endpoints.sfn` points at it).
"""

import json
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PROVIDER = """provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    sfn = "http://127.0.0.1:%d"
  }
}
"""


class _ValidateOk(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"result": "OK", "diagnostics": [], "truncated": False}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def main() -> None:
    stub = ThreadingHTTPServer(("127.0.0.1", 0), _ValidateOk)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(ROOT / "build" / "terraform.rc"), "TF_IN_AUTOMATION": "1"}
    for src in sorted(HERE.glob("*/pass")) + sorted(HERE.glob("*/fail")):
        work = ROOT / ".tftest" / f"checkov-{src.parent.name}-{src.name}"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(src, work)
        (work / "zz_test_provider.tf").write_text(PROVIDER % stub.server_address[1])

        def tf(*args: str, cwd: Path = work) -> str:
            return subprocess.run(
                ["terraform", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
            ).stdout

        tf("init", "-input=false", "-no-color")
        tf("plan", "-input=false", "-no-color", "-refresh=false", "-out=tfplan")
        plan = json.loads(tf("show", "-json", "tfplan"))
        out = src.parent / f"{src.name}.plan.json"
        out.write_text(json.dumps(plan, indent=1, sort_keys=True) + "\n")
        print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
