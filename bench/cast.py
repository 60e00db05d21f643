"""Casting under load on the real stack: ``python bench/cast.py [--n 5000] [--clients 24]``.

Starts a throw-away PostgreSQL (as ``make test-postgres`` does, in /tmp, as the postgres user),
migrates it, creates an open election with N credentials (the reference 47-choice ballot),
prepares every ballot (and some revotes) outside the timed part, starts gunicorn with one worker
per core, then posts every ballot once from many concurrent clients, with some revotes and some
double submissions (the same ballot twice: the second must be refused as a duplicate).

Prints accepted ballots per minute, p50/p95/p99 latency, errors by kind, the ratio to the
verification bound measured in the same run (how many ballots a minute the cores can verify),
and, after reading the board back, how many accepted ballots are missing from it or counted
twice. The last line is JSON. Needs root (to run PostgreSQL as the postgres user).
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import queue
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voting.crypto.ballot import encrypt_ballot, verify_ballot  # noqa: E402
from voting.crypto.credential import credential_public, generate_credential  # noqa: E402
from voting.crypto.election import Election  # noqa: E402
from voting.simulate import random_selections, reference_contests  # noqa: E402


def pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not found:
        sys.exit("PostgreSQL server binaries not found under /usr/lib/postgresql")
    return found[-1]


class Postgres:
    """initdb + pg_ctl in a temporary directory owned by postgres; socket only, no TCP."""

    def __init__(self, fast: bool) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="unevoix-bench-pg-"))
        shutil.chown(self.dir, "postgres")
        self.bin = pg_bin()
        self.fast = fast

    def _as_pg(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, cwd="/", stdout=subprocess.DEVNULL)

    def start(self) -> str:
        self._as_pg(str(self.bin / "initdb"), "--no-sync", "-A", "trust", "-U", "postgres", "-D", str(self.dir / "data"))
        opts = f"-k {self.dir} -c listen_addresses='' -c max_connections=100"
        if self.fast:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._as_pg(str(self.bin / "pg_ctl"), "-w", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"),
                    "-o", opts, "start")
        self._as_pg(str(self.bin / "createdb"), "-h", str(self.dir), "unevoix_bench")
        return f"postgresql+psycopg://postgres@/unevoix_bench?host={self.dir}"

    def stop(self) -> None:
        try:
            self._as_pg(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def _encrypt(job: tuple) -> dict:
    el_json, y, cred, seed = job
    el = Election.from_json(el_json)
    return encrypt_ballot(el, y, cred, random_selections(el, random.Random(seed)))


def _verify(job: tuple) -> float:
    el_json, y, ballot = job
    el = Election.from_json(el_json)
    t = time.perf_counter()
    verify_ballot(el, y, ballot)
    return time.perf_counter() - t


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_election(env: dict, n: int) -> tuple[dict, str, list[str]]:
    """Migrate, create an open election with n credentials (no sign-in); (definition, key, creds)."""
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.environ.update(env)
    from app import create_app
    from app.extensions import db
    from voting import services
    from voting.crypto.election import Contest  # noqa: F401
    from voting.demo import definition, make_kits, run_keygen

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["UNEVOIX_SQLALCHEMY_DATABASE_URI"]})
    creds = [generate_credential() for _ in range(n)]
    with app.app_context():
        kits = make_kits(3)
        election = services.create_election(definition("bench", "Bench", reference_contests(), kits, 2),
                                            slug="bench", require_login=False)
        run_keygen(election, kits)
        services.publish_credentials(election, [{"credential": credential_public(c), "category": "AB"[i % 3 == 0],
                                                 "voter": services.new_voter()} for i, c in enumerate(creds)])
        services.open_election(election)
        db.session.commit()  # bench: the election is set up before the clients start
        out = (election.definition, election.public_key, creds)
        db.session.remove()
        db.engine.dispose()
    return out


def board_trackers(env: dict) -> tuple[Counter, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(env["UNEVOIX_SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT data FROM voting_board_event WHERE type = 'ballot' ORDER BY seq")).all()
        counted = conn.execute(text("SELECT count(*) FROM voting_cast_ballot WHERE superseded_by_tracker IS NULL")).scalar()
    engine.dispose()
    trackers = Counter((r[0] if isinstance(r[0], dict) else json.loads(r[0]))["tracker"] for r in rows)
    return trackers, counted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="credentials (each casts once)")
    parser.add_argument("--clients", type=int, default=24)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers")
    parser.add_argument("--revotes", type=float, default=0.05, help="share of credentials that vote again")
    parser.add_argument("--doubles", type=float, default=0.02, help="share of ballots posted twice")
    parser.add_argument("--fast-pg", action="store_true", help="fsync off, as the test database (not durable)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: PostgreSQL is started as the postgres user")

    pg = Postgres(args.fast_pg)
    server = None
    try:
        uri = pg.start()
        env = {**os.environ, "UNEVOIX_SQLALCHEMY_DATABASE_URI": uri, "UNEVOIX_SECRET_KEY": "bench-secret",
               "UNEVOIX_WTF_CSRF_ENABLED": "false", "UNEVOIX_RATELIMIT_ENABLED": "false",
               "UNEVOIX_LOG_LEVEL": "WARNING"}
        t0 = time.perf_counter()
        definition, y, creds = setup_election(env, args.n)
        print(f"election with {args.n} credentials ready in {time.perf_counter() - t0:.1f} s", flush=True)

        rnd = random.Random(1)
        revoters = rnd.sample(creds, int(args.n * args.revotes))
        jobs = [(definition, y, c, i) for i, c in enumerate(creds + revoters)]
        t0 = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(os.cpu_count()) as pool:
            ballots = pool.map(_encrypt, jobs, chunksize=20)
            sample = ballots[: min(200, len(ballots))]
            t1 = time.perf_counter()
            per = pool.map(_verify, [(definition, y, b) for b in sample], chunksize=10)
            wall = time.perf_counter() - t1
        cores = os.cpu_count() or 1
        bound_per_min = 60 * len(sample) / wall  # ballots a minute all cores verify, in this run
        print(f"prepared {len(ballots)} ballots in {time.perf_counter() - t0:.1f} s; verification bound "
              f"{bound_per_min:.0f} ballots/min ({1000 * sum(per) / len(per):.1f} ms per ballot, {cores} cores)",
              flush=True)
        firsts, seconds = ballots[: len(creds)], ballots[len(creds):]
        posts = [(b, "first") for b in firsts]
        doubles = rnd.sample(firsts, int(args.n * args.doubles))
        posts += [(b, "double") for b in doubles]
        rnd.shuffle(posts)
        posts += [(b, "revote") for b in seconds]  # after the firsts, so each supersedes

        port = free_port()
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{port}", "--timeout", "120",
             "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env, start_new_session=True)
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        work: queue.Queue = queue.Queue()
        for item in posts:
            work.put(item)
        results: list[tuple[str, int, str, float, str]] = []
        lock = threading.Lock()

        def client() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            while True:
                try:
                    ballot, kind = work.get_nowait()
                except queue.Empty:
                    break
                body = json.dumps(ballot)
                t = time.perf_counter()
                try:
                    conn.request("POST", "/voting/bench/ballots", body, {"Content-Type": "application/json"})
                    resp = conn.getresponse()
                    payload = json.loads(resp.read() or b"{}")
                    status = resp.status
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                    status, payload = 0, {"error": type(exc).__name__}
                took = time.perf_counter() - t
                with lock:
                    results.append((kind, status, payload.get("error", ""), took, payload.get("tracker", "")))
            conn.close()

        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t0

        accepted = [r for r in results if r[1] == 201]
        latencies = sorted(r[3] for r in results)

        def pct(p: float) -> float:
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else 0.0

        errors = Counter(f"{r[1]} {r[2]}" for r in results if r[1] != 201)
        board, counted = board_trackers(env)
        accepted_trackers = Counter(r[4] for r in accepted)
        lost = sum(1 for t in accepted_trackers if board.get(t, 0) == 0)
        duplicated = sum(1 for t, n in board.items() if n > 1) + sum(1 for t, n in accepted_trackers.items() if n > 1)
        counted_twice = max(0, counted - len(creds))
        per_min = 60 * len(accepted) / elapsed if elapsed else 0.0
        report = {
            "n": args.n, "posts": len(posts), "clients": args.clients, "workers": args.workers,
            "accepted": len(accepted), "elapsed_s": round(elapsed, 2), "accepted_per_min": round(per_min),
            "p50_s": round(pct(0.50), 3), "p95_s": round(pct(0.95), 3), "p99_s": round(pct(0.99), 3),
            "errors": dict(errors), "verification_bound_per_min": round(bound_per_min),
            "ratio_to_bound": round(per_min / bound_per_min, 3) if bound_per_min else None,
            "board_ballots": sum(board.values()), "counted": counted, "lost": lost, "duplicated": duplicated,
            "counted_twice": counted_twice, "durable_pg": not args.fast_pg,
        }
        print(f"accepted {len(accepted)} of {len(posts)} posts in {elapsed:.1f} s: {per_min:.0f} ballots/min "
              f"({per_min / bound_per_min:.0%} of the verification bound {bound_per_min:.0f}/min)")
        print(f"latency p50 {pct(0.5):.3f} s, p95 {pct(0.95):.3f} s, p99 {pct(0.99):.3f} s")
        print(f"refusals: {dict(errors) or 'none'} (expected: {len(doubles)} duplicate_ballot)")
        print(f"board: {sum(board.values())} ballots, {counted} counted; lost {lost}, duplicated {duplicated}, "
              f"counted twice {counted_twice}")
        print(json.dumps(report, sort_keys=True))
        return 0 if lost == 0 and duplicated == 0 and counted_twice == 0 else 1
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        pg.stop()


if __name__ == "__main__":
    sys.exit(main())
