"""Faults against real services, scripted for `make bench`: the result of each check goes in the report.

    .venv/bin/python -m bench.faults            # about 2 minutes; needs root (it starts its own servers)

The tests in tests/robustness/test_faults.py and tests/integration/ simulate the same faults inside
`make test` (a broker URL nobody answers, a PostgreSQL backend terminated). This script does the real
thing to servers of its own, so the shared PostgreSQL and Redis of the machine are never touched:

- a private PostgreSQL cluster (initdb into /var/tmp/microlens-faults, port 5491) and a private Redis
  (port 6391), a gunicorn web tier and a real Celery worker on them, logins from ``demo_setup``;
- Redis stopped (SHUTDOWN): login, search page, profile page and API still answer 200; starting an
  import says the queue is down and the job waits, pending, with its file; Redis started again: with
  nobody pressing anything, beat's minute tick starts the job and the worker imports every row;
- PostgreSQL restarted (``pg_ctl restart -m fast``) while a request waits inside it: that request
  fails cleanly (5xx, no traceback), the next one succeeds on a fresh connection;
- the worker SIGKILLed in the middle of an import, a new worker, the admin's "start again": the
  profiles are exactly the file's valid rows (no duplicate, none missing);
- the worker SIGKILLed in the middle of a full rescore, a new worker, the admin's "score dirty
  profiles": every stored score equals the scores of a clean, uninterrupted rescore;
- uploads onto a full disk (a 256 KiB tmpfs as MEDIA_ROOT): a clear message, no job created.

Writes bench/results/faults.json and faults.md; exits 1 if a check fails.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg2
import requests

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
WORK = Path("/var/tmp/microlens-faults")
PG_PORT, REDIS_PORT, WEB_PORT = 5491, 6391, 8796
DATABASE = "faults"
DSN = f"postgres://postgres@127.0.0.1:{PG_PORT}/{DATABASE}"
WEB = f"http://127.0.0.1:{WEB_PORT}"
PASSWORD = "microlens-demo"  # demo_setup's published local password
IMPORT_ROWS = 60_000
BAD_EVERY = 1_000  # one rejected row (negative followers) per thousand


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        sys.exit(f"{name} not found under /usr/lib/postgresql/*/bin (install postgresql)")
    return found[-1]


def _as_postgres(*args: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True)


class PrivatePostgres:
    """A throwaway PostgreSQL cluster owned by this script."""

    def __init__(self) -> None:
        self.root = WORK / "pg"
        self.data = self.root / "data"

    def init(self) -> None:
        self.root.mkdir(parents=True)
        shutil.chown(self.root, "postgres", "postgres")
        _as_postgres(_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        conn = psycopg2.connect(f"postgres://postgres@127.0.0.1:{PG_PORT}/postgres")
        conn.autocommit = True
        conn.cursor().execute(f'CREATE DATABASE "{DATABASE}"')
        conn.close()

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {PG_PORT} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        _as_postgres(
            _pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), "-w",
            "-o", options, action, *extra,
        )  # fmt: skip

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._ctl("stop", "-m", "immediate")


class PrivateRedis:
    """A throwaway Redis server owned by this script (keeps nothing on disk)."""

    def start(self) -> None:
        subprocess.run(
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly",
             "no", "--daemonize", "yes", "--dir", str(WORK), "--logfile", str(WORK / "redis.log")],
            check=True,
        )  # fmt: skip
        self._wait(up=True)

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"], capture_output=True)
        self._wait(up=False)

    def _wait(self, up: bool) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            ping = subprocess.run(
                ["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True, text=True
            )
            if (ping.stdout.strip() == "PONG") == up:
                return
            time.sleep(0.1)
        raise RuntimeError(f"redis on {REDIS_PORT} did not {'start' if up else 'stop'}")


def _env(media_root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MICROLENS_MODE": "local",
        "DATABASE_URL": DSN,
        "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "DJANGO_DEBUG": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_CONN_MAX_AGE": "600",  # persistent connections: the PostgreSQL restart must not strand them
        "DJANGO_MEDIA_ROOT": str(media_root),
        "API_THROTTLE_USER": "1000000/minute",
    }


class Process:
    """A child process in its own session (so a kill reaches its children too)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name, self.command, self.env = name, command, env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (WORK / f"{self.name}.log").open("ab")
        self.proc = subprocess.Popen(
            self.command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def _web(media_root: Path) -> Process:
    return Process(
        "gunicorn",
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{WEB_PORT}", "-w", "2",
         "--timeout", "120", "--access-logfile", "/dev/null"],
        _env(media_root),
    )  # fmt: skip


def _worker() -> Process:
    return Process(
        "worker",
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "warning",
         "-n", "faults@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-B", "-s", str(WORK / "celerybeat-schedule")],
        _env(WORK / "media"),
    )  # fmt: skip


def _wait(condition: Callable[[], Any], timeout: float, what: str, step: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except (requests.RequestException, psycopg2.OperationalError):
            value = None
        if value:
            return value
        time.sleep(step)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def _sql(query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(DSN)
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        conn.close()


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """A logged-in session through the real login form (session cookie + CSRF), as a browser does."""

    def __init__(self, username: str) -> None:
        self.session = requests.Session()
        page = self.session.get(f"{WEB}/accounts/login/", timeout=30)
        response = self.session.post(
            f"{WEB}/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self._token(page.text)},
            headers={"Referer": f"{WEB}/accounts/login/"},
            timeout=30,
        )
        if "sessionid" not in self.session.cookies:
            raise RuntimeError(f"login as {username} failed: {response.status_code}")

    @staticmethod
    def _token(html: str) -> str:
        match = _CSRF.search(html)
        if not match:
            raise RuntimeError("no CSRF token on the page")
        return match.group(1)

    def get(self, path: str) -> requests.Response:
        return self.session.get(f"{WEB}{path}", timeout=60)

    def post(
        self, path: str, form_page: str, data: dict[str, Any] | None = None, **kwargs: Any
    ) -> requests.Response:
        token = self._token(self.get(form_page).text)
        return self.session.post(
            f"{WEB}{path}",
            data={**(data or {}), "csrfmiddlewaretoken": token},
            headers={"Referer": f"{WEB}{form_page}"},
            timeout=120,
            **kwargs,
        )

    def upload(self, name: str, content: bytes) -> int:
        """Upload a profiles file; return the new job's id."""
        before = _sql("SELECT coalesce(max(id), 0) FROM discovery_importjob")[0][0]
        response = self.post("/imports/", "/imports/", {"kind": "profiles"}, files={"file": (name, content)})
        if response.status_code != 200:
            raise RuntimeError(f"upload answered {response.status_code}")
        rows = _sql("SELECT id FROM discovery_importjob WHERE id > %s ORDER BY id", (before,))
        if len(rows) != 1:
            raise RuntimeError(f"upload made {len(rows)} jobs")
        return rows[0][0]

    def start_import(self, job: int) -> requests.Response:
        return self.post(f"/imports/{job}/start/", f"/imports/{job}/")


@dataclass
class Check:
    name: str
    passed: bool = False
    detail: str = ""
    seconds: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)


def _profiles_file(rows: int, prefix: str) -> tuple[bytes, dict[str, int]]:
    """A profiles CSV with one bad row per BAD_EVERY; returns it and the valid rows {handle: followers}."""
    lines = ["platform,handle,name,country,niches,followers,following,posts_count,avg_likes,avg_comments"]
    valid: dict[str, int] = {}
    for i in range(rows):
        followers = -5 if i % BAD_EVERY == 7 else 1_000 + 37 * i
        handle = f"{prefix}{i}"
        lines.append(
            f"instagram,{handle},{prefix} {i},GB,Beauty;Travel,{followers},"
            f"{i % 900},{i % 50},{i % 700},{i % 40}"
        )
        if followers >= 0:
            valid[handle] = followers
    return ("\n".join(lines) + "\n").encode(), valid


def _stored(prefix: str) -> tuple[dict[str, int], int]:
    rows = _sql("SELECT handle, followers FROM discovery_profile WHERE handle LIKE %s", (f"{prefix}%",))
    return dict(rows), len(rows)


def _job(job: int) -> tuple[str, int, int, str]:
    return _sql(
        "SELECT status, checkpoint_row, rows_total, message FROM discovery_importjob WHERE id = %s", (job,)
    )[0]


def _finished(job: int) -> str | None:
    status = _job(job)[0]
    return status if status in ("succeeded", "failed") else None


# -- the checks ----------------------------------------------------------------------------------------


def check_redis_down(redis: PrivateRedis) -> list[Check]:
    pages = Check("Redis stopped: login, search page, profile page and API answer 200")
    queued = Check("Redis stopped: starting an import says the queue is down; the job and its file are kept")
    back = Check("Redis back: the waiting import starts by itself and imports every valid row")
    admin = Browser("admin")
    content, valid = _profiles_file(500, "redisdown")
    job = admin.upload("redisdown.csv", content)

    redis.stop()
    started = time.monotonic()
    member = Browser("acme-member")  # a fresh login while the broker is down
    profile_id = _sql("SELECT id FROM discovery_profile ORDER BY id LIMIT 1")[0][0]
    statuses = {
        "search": member.get("/?q=a&tier=micro").status_code,
        "profile": member.get(f"/profiles/{profile_id}/").status_code,
        "api": member.get("/api/profiles/?followers_min=1000").status_code,
    }
    pages.passed = all(code == 200 for code in statuses.values())
    pages.detail = ", ".join(f"{k} {v}" for k, v in statuses.items())
    pages.seconds = round(time.monotonic() - started, 2)

    started = time.monotonic()
    answer = admin.start_import(job)
    status, _, _, _ = _job(job)
    said = "queue is down" in answer.text.lower()
    file_kept = bool(_sql("SELECT 1 FROM discovery_importjob WHERE id = %s AND file <> ''", (job,)))
    queued.passed = answer.status_code == 200 and said and status == "pending" and file_kept
    queued.detail = f"HTTP {answer.status_code}, message shown: {said}, job {status}, file kept: {file_kept}"
    queued.seconds = round(time.monotonic() - started, 2)

    started = time.monotonic()
    redis.start()
    # Nobody presses anything: the worker reconnects and beat's minute tick starts the waiting job.
    final = _wait(lambda: _finished(job), 150, f"import job {job} after Redis came back")
    stored, count = _stored("redisdown")
    back.passed = final == "succeeded" and stored == valid and count == len(valid)
    back.detail = (
        f"job {final} by itself {time.monotonic() - started:.0f} s after Redis was back; {count} profiles "
        f"stored for {len(valid)} valid rows of 500; identical to the file: {stored == valid}"
    )
    back.seconds = round(time.monotonic() - started, 2)
    return [pages, queued, back]


def check_postgres_restart(pg: PrivatePostgres) -> Check:
    check = Check("PostgreSQL restarted mid-request: that request fails cleanly, the next one succeeds")
    member = Browser("acme-member")
    result: dict[str, Any] = {}
    started = time.monotonic()
    # Hold a lock so the API's query waits inside PostgreSQL, then restart the server under it.
    holder = psycopg2.connect(DSN)
    cursor = holder.cursor()
    cursor.execute("LOCK TABLE discovery_profile IN ACCESS EXCLUSIVE MODE")

    def call() -> None:
        response = member.get("/api/profiles/?followers_min=1000")
        result["first"] = (response.status_code, response.text)

    caller = threading.Thread(target=call)
    caller.start()
    probe = psycopg2.connect(DSN)
    probe.autocommit = True

    def waiting() -> bool:
        with probe.cursor() as c:
            c.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            return c.fetchone()[0] > 0

    _wait(waiting, 30, "the request to wait on the lock", 0.05)
    probe.close()
    pg.restart()
    caller.join(timeout=60)
    with contextlib.suppress(psycopg2.Error):
        holder.close()
    first_status, first_body = result.get("first", (None, ""))
    clean = first_status is not None and 500 <= first_status < 600 and "Traceback" not in first_body
    statuses = [member.get(path).status_code for path in ("/api/profiles/?followers_min=1000", "/?q=a")]
    check.passed = clean and statuses == [200, 200]
    check.detail = (
        f"request during the restart: HTTP {first_status}, traceback shown: {'Traceback' in first_body}; "
        f"next requests: {statuses}"
    )
    check.seconds = round(time.monotonic() - started, 2)
    return check


def check_worker_killed_import(worker_box: list[Process]) -> Check:
    check = Check("Worker killed mid-import, new worker, started again: exactly the file's valid rows")
    admin = Browser("admin")
    content, valid = _profiles_file(IMPORT_ROWS, "killimport")
    job = admin.upload("killimport.csv", content)
    started = time.monotonic()
    admin.start_import(job)
    _wait(lambda: 0 < _job(job)[1] < IMPORT_ROWS // 2, 120, "the import to be part-way", 0.02)
    worker_box[0].kill()
    status, done_rows, _, _ = _job(job)
    partial = _stored("killimport")[1]
    worker_box[0] = _worker()
    worker_box[0].start()
    time.sleep(3)
    admin.start_import(job)
    final = _wait(lambda: _finished(job), 300, "the re-run import")
    stored, count = _stored("killimport")
    check.passed = (
        status == "running" and 0 < partial < len(valid) and final == "succeeded" and stored == valid
    )
    check.detail = (
        f"killed at row {done_rows:,} of {IMPORT_ROWS:,} with {partial:,} profiles stored (job {status}); "
        f"re-run {final}: {count:,} profiles for {len(valid):,} valid rows, "
        f"identical to the file: {stored == valid}"
    )
    check.seconds = round(time.monotonic() - started, 2)
    return check


SCORE_COLUMNS = "profile_id, tier, er, er_median, er_provenance, quality, price_low, price_high"


def _scores_digest() -> tuple[int, str]:
    rows = _sql(f"SELECT {SCORE_COLUMNS} FROM scoring_profilescore ORDER BY profile_id")
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def _full_run_done(after: int) -> bool:
    rows = _sql("SELECT status FROM scoring_scoringrun WHERE id > %s ORDER BY id DESC LIMIT 1", (after,))
    return bool(rows) and rows[0][0] == "succeeded"


def _last_run() -> int:
    return _sql("SELECT coalesce(max(id), 0) FROM scoring_scoringrun")[0][0]


def _rescore(admin: Browser) -> tuple[int, str]:
    last = _last_run()
    admin.post("/scoring/rescore/", "/scoring/")
    _wait(lambda: _full_run_done(last), 600, "a full rescore")
    return _scores_digest()


def check_worker_killed_rescore(worker_box: list[Process]) -> Check:
    check = Check("Worker killed mid-rescore, new worker, rescored again: every score equals a clean rescore")
    admin = Browser("admin")
    started = time.monotonic()
    # A run rates ER against the quartiles of the scores before it, so rescore until two clean runs
    # agree: that is the clean answer any later full run must give again.
    clean = _rescore(admin)
    for _ in range(3):
        previous, clean = clean, _rescore(admin)
        if clean == previous:
            break

    last = _last_run()
    admin.post("/scoring/rescore/", "/scoring/")

    def part_way() -> tuple[int, int] | None:
        rows = _sql(
            "SELECT scored, total FROM scoring_scoringrun WHERE id > %s ORDER BY id DESC LIMIT 1", (last,)
        )
        return rows[0] if rows and 0 < rows[0][0] < rows[0][1] * 0.8 else None

    scored, total = _wait(part_way, 120, "the rescore to be part-way", 0.02)
    worker_box[0].kill()
    worker_box[0] = _worker()
    worker_box[0].start()
    time.sleep(3)
    again = _rescore(admin)  # the admin's "run it again"
    check.passed = 0 < scored < total and again == clean
    check.detail = (
        f"killed with {scored:,} of {total:,} profiles scored in the run; after the re-run {again[0]:,} "
        f"scores, identical to a clean rescore ({clean[0]:,}): {again == clean}"
    )
    check.seconds = round(time.monotonic() - started, 2)
    return check


def check_disk_full(web_box: list[Process]) -> Check:
    check = Check("Upload onto a full disk: a clear message, no job, no stray file")
    media = WORK / "tiny-media"
    media.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(media)], check=True)
    try:
        web_box[0].stop()
        web_box[0] = _web(media)
        web_box[0].start()
        _wait(lambda: requests.get(f"{WEB}/accounts/login/", timeout=5).ok, 60, "gunicorn on the tiny disk")
        admin = Browser("admin")
        started = time.monotonic()
        jobs_before = _sql("SELECT count(*) FROM discovery_importjob")[0][0]
        content, _ = _profiles_file(20_000, "diskfull")  # about 1 MB: more than the disk holds
        response = admin.post(
            "/imports/", "/imports/", {"kind": "profiles"}, files={"file": ("full.csv", content)}
        )
        jobs_after = _sql("SELECT count(*) FROM discovery_importjob")[0][0]
        leftovers = [p.name for p in media.rglob("*") if p.is_file()]
        said = "could not be saved" in response.text
        check.passed = response.status_code == 400 and said and jobs_after == jobs_before and not leftovers
        check.detail = (
            f"HTTP {response.status_code}, message shown: {said}, jobs created: {jobs_after - jobs_before}, "
            f"files left on the disk: {len(leftovers)}"
        )
        check.seconds = round(time.monotonic() - started, 2)
    finally:
        web_box[0].stop()
        subprocess.run(["umount", str(media)], check=False)
    return check


# -- orchestration -------------------------------------------------------------------------------------


def _guarded(checks: list[Check], name: str, run: Callable[[], Check | list[Check]]) -> None:
    try:
        outcome = run()
    except Exception as exc:  # a check that cannot finish is a failed check, with the reason
        checks.append(Check(name, False, f"could not finish: {type(exc).__name__}: {exc}"))
        return
    checks.extend(outcome if isinstance(outcome, list) else [outcome])


def main() -> None:
    """Start the private servers, run every check, write the report, stop everything."""
    if os.geteuid() != 0:
        sys.exit("bench.faults starts its own PostgreSQL and Redis and mounts a tmpfs: run it as root")
    subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"], capture_output=True)
    if (WORK / "pg" / "data" / "postmaster.pid").exists():
        PrivatePostgres().stop()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    pg, redis = PrivatePostgres(), PrivateRedis()
    web_box: list[Process] = []
    worker_box: list[Process] = []
    checks: list[Check] = []
    started = time.monotonic()
    try:
        pg.init()
        redis.start()
        env = _env(WORK / "media")
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True)
        subprocess.run(
            [sys.executable, "manage.py", "demo_setup", "--profiles", "2000", "--dir", str(WORK / "demo")],
            cwd=REPO, env=env, check=True, capture_output=True,
        )  # fmt: skip
        web_box.append(_web(WORK / "media"))
        worker_box.append(_worker())
        web_box[0].start()
        worker_box[0].start()
        _wait(lambda: requests.get(f"{WEB}/accounts/login/", timeout=5).ok, 60, "gunicorn")

        _guarded(checks, "Redis stopped and started again", lambda: check_redis_down(redis))
        _guarded(checks, "PostgreSQL restarted mid-request", lambda: check_postgres_restart(pg))
        _guarded(checks, "Worker killed mid-import", lambda: check_worker_killed_import(worker_box))
        _guarded(checks, "Worker killed mid-rescore", lambda: check_worker_killed_rescore(worker_box))
        _guarded(checks, "Upload onto a full disk", lambda: check_disk_full(web_box))
    finally:
        for box in (web_box, worker_box):
            for process in box:
                process.stop()
        if _redis_up():
            redis.stop()
        pg.stop()

    report = {
        "benchmark": "faults against real services",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started, 1),
        "passed": all(c.passed for c in checks),
        "results": [c.__dict__ for c in checks],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "faults.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [f"# Faults against real services ({report['measured_at']}, {report['seconds']} s)", ""]
    lines += ["| check | result | detail |", "|---|---|---|"]
    lines += [f"| {c.name} | {'pass' if c.passed else 'FAIL'} | {c.detail} |" for c in checks]
    (RESULTS / "faults.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    sys.exit(0 if report["passed"] else 1)


def _redis_up() -> bool:
    ping = subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True, text=True)
    return ping.stdout.strip() == "PONG"


if __name__ == "__main__":
    main()
