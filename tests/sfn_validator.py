"""A loopback stand-in for Step Functions' ValidateStateMachineDefinition, for offline plans.

hashicorp/aws 5.x calls states:ValidateStateMachineDefinition while planning aws_sfn_state_machine, so a plan
without AWS fails. The plan harness points the provider's `sfn` endpoint here; the definition is really
validated, by the project's one ASL validator (rehearsal.compat.validate_definition, the emulator's too), so
a broken definition still fails the plan.
"""

from __future__ import annotations

import json
import threading
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from rehearsal.compat import validate_definition


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if self.headers.get("X-Amz-Target", "").endswith("ValidateStateMachineDefinition"):
            status, answer = 200, validate_definition(body.get("definition", ""))
        else:
            status, answer = (
                400,
                {"__type": "UnknownOperationException", "message": "plan-time stand-in only"},
            )
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@cache
def endpoint() -> str:
    """Start (once per process) and return the URL of the stand-in."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"
