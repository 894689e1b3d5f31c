"""Dependency audit for `make bench`: pip-audit over requirements.txt, its outcome written as JSON.

    .venv/bin/python -m bench.audit

pip-audit asks a vulnerability service about every pinned version (PyPI's JSON API, then OSV). Where
neither answers (a machine that reaches only the package index), the report says "not audited" and why,
instead of claiming the dependencies are clean.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
SERVICES = ("pypi", "osv")


def audit(service: str) -> dict[str, Any]:
    """Run pip-audit against one vulnerability service; classify the outcome."""
    command = [
        sys.executable, "-m", "pip_audit", "-r", str(REPO / "requirements.txt"), "-s", service,
        "--format", "json", "--progress-spinner", "off",
    ]  # fmt: skip
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    except subprocess.TimeoutExpired:
        return {"service": service, "status": "not audited", "detail": "pip-audit timed out after 600 s"}
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"service": service, "status": "not audited", "detail": last[:300]}
    deps = data.get("dependencies", [])
    skipped = [d["name"] for d in deps if d.get("skip_reason")]
    vulnerable = {d["name"]: [v["id"] for v in d.get("vulns", [])] for d in deps if d.get("vulns")}
    audited = len(deps) - len(skipped)
    if vulnerable:
        status = "vulnerable"
        detail = "; ".join(f"{name}: {', '.join(ids)}" for name, ids in sorted(vulnerable.items()))
    elif audited == 0:
        status = "not audited"
        reason = next((d["skip_reason"] for d in deps if d.get("skip_reason")), "no reason given")
        detail = f"the {service} service answered for none of {len(deps)} packages (first: {reason})"
    else:
        status = "clean" if not skipped else "partly audited"
        detail = f"{audited} of {len(deps)} packages audited, no known advisories"
    return {
        "service": service,
        "status": status,
        "detail": detail,
        "packages": len(deps),
        "audited": audited,
        "vulnerable": vulnerable,
    }


def main() -> None:
    """Try each service in turn; the first that audits anything decides the headline."""
    attempts = [audit(service) for service in SERVICES]
    decisive = next((a for a in attempts if a["status"] != "not audited"), attempts[-1])
    report = {
        "benchmark": "dependency audit",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "status": decisive["status"],
        "detail": f"{decisive['service']}: {decisive['detail']}",
        "attempts": attempts,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "audit.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    sys.exit(1 if report["status"] == "vulnerable" else 0)


if __name__ == "__main__":
    main()
