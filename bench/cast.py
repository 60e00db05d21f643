"""Casting under load on the real stack: ``python bench/cast.py [--n 5000] [--clients 24] [--sign-in]``.

Starts a throw-away PostgreSQL (as ``make test-postgres`` does, in /tmp, as the postgres user),
migrates it, creates an open election with N credentials (the reference 47-choice ballot),
prepares every ballot (and some revotes) outside the timed part, starts gunicorn with one worker
per core (sync workers, as docs/deploy.md runs it), then posts every ballot once from many concurrent clients,
with some revotes and some double submissions (the same ballot twice: the second is answered with
the same tracker, counted once).

``--sign-in``: what a general assembly adds. The election belongs to an assembly and requires
sign-in; every member posts in their own signed-in session (cookie and CSRF token), and a share of
them (``--proxies``, default 10 %) also for a member who gave them a proxy. The server then also
loads the account and member, checks the proxy (voting.permissions.may_cast_for) and queues the
receipt mail with the tracker for each ballot.

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
from voting.crypto.group import GENERATOR, Element, fixed_base_table  # noqa: E402
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

    def postmaster(self) -> int:
        return int((self.dir / "data" / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        try:
            self._as_pg(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def _encrypt(job: tuple) -> dict:
    el_json, y, cred, seed = job
    el = Election.from_json(el_json)
    return encrypt_ballot(el, y, cred, random_selections(el, random.Random(seed)))


def _warm(y: str) -> None:
    """A pool process's verification tables (voting.crypto.group.fixed_base_table), built before the
    bound is timed: a server worker builds them once for thousands of ballots."""
    fixed_base_table(GENERATOR)
    fixed_base_table(Element.from_hex(y))


def _verify(job: tuple) -> float:
    el_json, y, ballot = job
    el = Election.from_json(el_json)
    t = time.process_time()
    verify_ballot(el, y, ballot)
    return time.process_time() - t  # CPU time: what one ballot's checks cost, whatever the load


def verification_bound(pool, definition: str, y: str, sample: list) -> tuple[float, float]:
    """Ballots a minute all cores verify (a pool of one process per core checking ``sample``), and
    one ballot's checks in ms of CPU."""
    t = time.perf_counter()
    per = pool.map(_verify, [(definition, y, b) for b in sample], chunksize=10)
    return 60 * len(sample) / (time.perf_counter() - t), 1000 * sum(per) / len(per)


def _tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of a process and its live descendants, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        stats[pid] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_election(env: dict, n: int, sign_in: bool = False, proxies: float = 0.0) -> tuple[dict, str, list[str], list[dict]]:
    """Migrate, create an open election with n credentials; (definition, key, creds, headers).

    Without ``sign_in`` anyone holding a credential casts (``headers`` empty). With it, the
    election belongs to a general assembly and requires sign-in, as ``assemblies`` sets it up: each
    credential is delivered to a member, and a share ``proxies`` of the members gave a proxy to
    another member (one proxy each), who casts with the giver's credential in their own session.
    ``headers[i]``: the session cookie and CSRF token of whoever posts credential ``i``'s ballot."""
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.environ.update(env)
    from app import create_app
    from app.extensions import db
    from voting import services
    from voting.demo import definition, make_kits, run_keygen

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["UNEVOIX_SQLALCHEMY_DATABASE_URI"]})
    creds = [generate_credential() for _ in range(n)]
    headers: list[dict] = []
    with app.app_context():
        kits = make_kits(3)
        assembly_id, members = None, []
        if sign_in:
            assembly_id, members = _assembly_and_members(n)
        election = services.create_election(definition("bench", "Bench", reference_contests(), kits, 2),
                                            slug="bench", require_login=sign_in, assembly_id=assembly_id)
        run_keygen(election, kits)
        listed = [{"credential": credential_public(c), "category": "AB"[i % 3 == 0], "voter": services.new_voter()}
                  for i, c in enumerate(creds)]
        delivered = {row["credential"]: m.id for row, m in zip(listed, members)}
        services.publish_credentials(election, listed, delivered)
        services.open_election(election)
        if sign_in:
            posters = _give_proxies(assembly_id, members, proxies)
            headers = _sessions(app, posters)
        db.session.commit()  # bench: the election is set up before the clients start
        out = (election.definition, election.public_key, creds, headers)
        db.session.remove()
        db.engine.dispose()
    return out


def _assembly_and_members(n: int) -> tuple[int, list]:
    from datetime import date, timedelta

    from app.clock import utcnow
    from assemblies import services as assemblies
    from shares.models import Category, MemberKind
    from shares.services import create_member

    now = utcnow()
    assembly = assemblies.create_assembly(
        slug="bench", titles={"fr": "Banc d'essai", "nl": "Proefbank", "en": "Bench"}, starts_at=now + timedelta(days=1),
        place="Brussels", voting_opens_at=now - timedelta(hours=1), voting_closes_at=now + timedelta(days=1),
        record_date=date.today())
    members = [create_member(email=f"bench{i}@example.be", kind=MemberKind.NATURAL,
                             category=Category.B if i % 3 == 0 else Category.A, language="fr",
                             first_name="Bench", last_name=f"Member {i}", street="Rue Haute 1", postcode="1000",
                             city="Bruxelles") for i in range(n)]
    return assembly.id, members


def _give_proxies(assembly_id: int, members: list, share: float) -> list:
    """A share of the members give their proxy to the next member, who does not give one (the
    assembly's default limit: one proxy held). Who posts each member's ballot."""
    from app.extensions import db
    from assemblies.models import Proxy, ProxySource

    posters = list(members)
    givers = set(range(0, len(members) - 1, 2)[: int(len(members) * share)])
    for i in sorted(givers):
        db.session.add(Proxy(assembly_id=assembly_id, giver_id=members[i].id, holder_id=members[i + 1].id,
                             active_giver=members[i].id, source=ProxySource.ONLINE))
        posters[i] = members[i + 1]
    db.session.flush()
    return posters


def _sessions(app, posters: list) -> list[dict]:
    """Each poster's signed-in session (as Flask-Login's strong protection checks it for this
    client: 127.0.0.1, no User-Agent) and its CSRF token, as a browser would hold them."""
    from flask import g, session
    from flask_login.utils import _create_identifier
    from flask_wtf.csrf import generate_csrf

    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config["SESSION_COOKIE_NAME"]
    out, made = [], {}
    for member in posters:
        if member.id not in made:
            with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
                session["_user_id"] = member.account.get_id()
                session["_fresh"] = True
                session["_id"] = _create_identifier()
                g.pop(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # g is the app context's
                token = generate_csrf()
                made[member.id] = {"Cookie": f"{name}={serializer.dumps(dict(session))}", "X-CSRFToken": token}
        out.append(made[member.id])
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
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gunicorn worker (more than 1: the gthread worker; docs/deploy.md says "
                             "why one)")
    parser.add_argument("--revotes", type=float, default=0.05, help="share of credentials that vote again")
    parser.add_argument("--doubles", type=float, default=0.02, help="share of ballots posted twice")
    parser.add_argument("--sign-in", action="store_true",
                        help="a general assembly's election: sign-in required, each member posts in their own "
                             "session (CSRF token included), some for a member who gave them a proxy")
    parser.add_argument("--proxies", type=float, default=0.1, help="with --sign-in: share of members who gave a proxy")
    parser.add_argument("--fast-pg", action="store_true", help="fsync off, as the test database (not durable)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: PostgreSQL is started as the postgres user")

    pg = Postgres(args.fast_pg)
    server = None
    try:
        uri = pg.start()
        env = {**os.environ, "UNEVOIX_SQLALCHEMY_DATABASE_URI": uri, "UNEVOIX_SECRET_KEY": "bench-secret",
               "UNEVOIX_WTF_CSRF_ENABLED": "true" if args.sign_in else "false", "UNEVOIX_RATELIMIT_ENABLED": "false",
               "UNEVOIX_LOG_LEVEL": "WARNING"}
        t0 = time.perf_counter()
        definition, y, creds, headers = setup_election(env, args.n, args.sign_in, args.proxies)
        who = {c: (headers[i] if headers else {}) for i, c in enumerate(creds)}
        proxy_credentials = len(headers) - len({id(h) for h in headers})  # a holder posts two members' ballots
        print(f"election with {args.n} credentials ready in {time.perf_counter() - t0:.1f} s", flush=True)

        rnd = random.Random(1)
        revoters = rnd.sample(creds, int(args.n * args.revotes))
        jobs = [(definition, y, c, i) for i, c in enumerate(creds + revoters)]
        t0 = time.perf_counter()
        cores = os.cpu_count() or 1
        with multiprocessing.get_context("fork").Pool(cores, _warm, (y,)) as pool:
            ballots = pool.map(_encrypt, jobs, chunksize=20)
            sample = ballots[: min(200, len(ballots))]
            bound_before, verify_before = verification_bound(pool, definition, y, sample)
        print(f"prepared {len(ballots)} ballots in {time.perf_counter() - t0:.1f} s; verification bound "
              f"{bound_before:.0f} ballots/min ({verify_before:.1f} ms CPU per ballot, {cores} cores)",
              flush=True)
        firsts, seconds = ballots[: len(creds)], ballots[len(creds):]
        posts = [(b, "first") for b in firsts]
        doubles = rnd.sample(firsts, int(args.n * args.doubles))
        posts += [(b, "double") for b in doubles]
        rnd.shuffle(posts)
        posts += [(b, "revote") for b in seconds]  # after the firsts, so each supersedes
        by_public = {credential_public(c): c for c in creds}
        posts = [(b, kind, who[by_public[b["credential"]]]) for b, kind in posts]

        port = free_port()
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "--threads", str(args.threads), "-b", f"127.0.0.1:{port}", "--timeout", "120",
             "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env, start_new_session=True)
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        load_before = round(os.getloadavg()[0], 2)
        work: queue.Queue = queue.Queue()
        for item in posts:
            work.put(item)
        results: list[tuple[str, int, str, float, str]] = []
        lock = threading.Lock()

        def client() -> None:
            # A connection per post, as each member's phone has its own: with threaded workers, 24
            # kept-alive connections stayed with the worker that accepted them, and one worker often
            # got most of them while the other idled. "Connection: close", as nginx sends upstream
            # (docs/deploy.md): gunicorn closes after the answer.
            while True:
                try:
                    ballot, kind, extra = work.get_nowait()
                except queue.Empty:
                    break
                body = json.dumps(ballot)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                t = time.perf_counter()
                try:
                    conn.request("POST", "/voting/bench/ballots", body, {"Content-Type": "application/json", "Connection": "close", **extra})
                    resp = conn.getresponse()
                    payload = json.loads(resp.read() or b"{}")
                    status = resp.status
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    status, payload = 0, {"error": type(exc).__name__}
                finally:
                    conn.close()
                took = time.perf_counter() - t
                with lock:
                    results.append((kind, status, payload.get("error", ""), took, payload.get("tracker", "")))

        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        cpu0 = (_tree_cpu(server.pid), _tree_cpu(pg.postmaster()), time.process_time())
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t0
        cpu1 = (_tree_cpu(server.pid), _tree_cpu(pg.postmaster()), time.process_time())
        cpu_ms = {k: round(1000 * (b - a) / max(1, len(posts)), 1)
                  for k, a, b in zip(("app", "db", "client"), cpu0, cpu1)}
        # Measured again once the posts are answered: this machine's speed drifts by tens of percent
        # within minutes (other virtual machines on its host), and a bound taken only before the run
        # moved the ratio by as much. The ratio uses the mean of both.
        with multiprocessing.get_context("fork").Pool(cores, _warm, (y,)) as pool:
            bound_after, verify_after = verification_bound(pool, definition, y, sample)
        bound_per_min = (bound_before + bound_after) / 2
        verify_cpu_ms = (verify_before + verify_after) / 2
        # Load-independent: the CPU one ballot's checks take over the CPU the server (app and
        # database) spends per post. 1.0 would be a server doing nothing but the proofs.
        cpu_ratio = verify_cpu_ms / (cpu_ms["app"] + cpu_ms["db"]) if cpu_ms["app"] + cpu_ms["db"] else None

        accepted = [r for r in results if r[1] == 201]
        latencies = sorted(r[3] for r in results)

        def pct(p: float) -> float:
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else 0.0

        # A double submission is answered 200 with the tracker already on the board (no error field).
        errors = Counter(f"{r[1]} {r[2] or 'already on the board'}" for r in results if r[1] != 201)
        board, counted = board_trackers(env)
        accepted_trackers = Counter(r[4] for r in accepted)
        lost = sum(1 for t in accepted_trackers if board.get(t, 0) == 0)
        duplicated = sum(1 for t, n in board.items() if n > 1) + sum(1 for t, n in accepted_trackers.items() if n > 1)
        counted_twice = max(0, counted - len(creds))
        per_min = 60 * len(accepted) / elapsed if elapsed else 0.0
        report = {
            "n": args.n, "posts": len(posts), "clients": args.clients, "workers": args.workers, "threads": args.threads,
            "accepted": len(accepted), "elapsed_s": round(elapsed, 2), "accepted_per_min": round(per_min),
            "p50_s": round(pct(0.50), 3), "p95_s": round(pct(0.95), 3), "p99_s": round(pct(0.99), 3),
            "errors": dict(errors), "verification_bound_per_min": round(bound_per_min),
            "bound_before_after_per_min": [round(bound_before), round(bound_after)],
            "ratio_to_bound": round(per_min / bound_per_min, 3) if bound_per_min else None,
            "board_ballots": sum(board.values()), "counted": counted, "lost": lost, "duplicated": duplicated,
            "counted_twice": counted_twice, "durable_pg": not args.fast_pg,
            "cpu_ms_per_post": cpu_ms, "load_before": load_before, "verify_cpu_ms": round(verify_cpu_ms, 1),
            "cpu_ratio": round(cpu_ratio, 3) if cpu_ratio else None,
            "sign_in": args.sign_in, "proxy_credentials": proxy_credentials,
        }
        print(f"accepted {len(accepted)} of {len(posts)} posts in {elapsed:.1f} s: {per_min:.0f} ballots/min "
              f"({per_min / bound_per_min:.0%} of the verification bound {bound_per_min:.0f}/min, the mean of "
              f"{bound_before:.0f} before the posts and {bound_after:.0f} after)")
        print(f"CPU per post: app {cpu_ms['app']} ms, database {cpu_ms['db']} ms, bench clients {cpu_ms['client']} ms; "
              f"one ballot's checks {verify_cpu_ms:.1f} ms CPU ({cpu_ratio:.0%} of the server's); "
              f"load average before the run {load_before}")
        print(f"latency p50 {pct(0.5):.3f} s, p95 {pct(0.95):.3f} s, p99 {pct(0.99):.3f} s")
        if args.sign_in:
            print(f"signed-in members posting, {proxy_credentials} of them also for a member who gave them a proxy")
        print(f"refusals: {dict(errors) or 'none'} (expected: {len(doubles)} double submissions already on the board)")
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
