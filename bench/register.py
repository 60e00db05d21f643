"""Share register benchmark: a register of N members (36,000 by default) with five years of history.

    .venv/bin/python bench/register.py [--members N] [--samples S] [--skip-pdf] [--skip-bank]

Measures, on a temporary SQLite file: importing a camt.053 file with one credit per member (each
paying an open request by its structured communication), running the renewal campaign
(``shares.renewal.run_campaign`` if present), rendering the register PDF as of a date, the p95
server time of member search and a member's register page, and the SQL queries per page (for a
member with little and with much history: the number must not grow with the data). Prints its
figures; the last line is one JSON object."""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("UNEVOIX_ENV", "testing")

FIRST = ["Marie", "Jan", "Emma", "Louise", "Pieter", "Sofie", "Hugo", "Lotte", "Omar", "Inès", "Koen", "Chloé"]
LAST = ["Dubois", "Peeters", "Lefèvre", "Janssens", "Maes", "Martin", "Claes", "Simon", "Wouters", "Renard",
        "Van Damme", "El Amrani", "Mertens", "Goossens", "Lambert", "Noël"]


def build(db, n: int, rng: random.Random) -> dict:
    from sqlalchemy import insert, select

    from app.models import Account, AccountRole, Role
    from shares.models import (EntryKind, Member, PaymentPurpose, PaymentRequest, PaymentStatus, ShareEntry,
                               fold)
    from shares.references import reference_for

    now = datetime.now(timezone.utc)
    accounts = [{"email": f"m{i}@example.be", "display_name": "", "language": rng.choice("ffn"),
                 "session_version": 1, "active": True, "created_at": now} for i in range(n)]
    for a in accounts:
        a["language"] = {"f": "fr", "n": "nl"}[a["language"]]
    db.session.execute(insert(Account), accounts)
    ids = list(db.session.scalars(select(Account.id).order_by(Account.id)))
    members = []
    for i, account_id in enumerate(ids):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        cat = "B" if rng.random() < 0.08 else "A"
        members.append({"number": i + 1, "account_id": account_id, "kind": "natural", "first_name": first,
                        "last_name": last, "street": "Rue Haute 1", "postcode": "1000", "city": "Bruxelles",
                        "country": "BE", "category": cat, "created_at": now, "version": 1,
                        "search_text": fold(f"{first} {last}  m{i}@example.be {i + 1}")})
    db.session.execute(insert(Member), members)
    member_ids = list(db.session.scalars(select(Member.id).order_by(Member.id)))
    requests, entries = [], []
    ref = 1
    for i, member_id in enumerate(member_ids):
        joined = date(2021, 1, 4) + timedelta(days=rng.randint(0, 5 * 365 - 60))
        shares = rng.choice([1, 1, 1, 2, 3])
        history = [(joined, shares)]
        if rng.random() < 0.25:
            history.append((joined + timedelta(days=rng.randint(30, 400)), rng.randint(1, 3)))
        for on, k in history:
            requests.append({"member_id": member_id, "purpose": PaymentPurpose.SUBSCRIPTION.value, "shares": k,
                             "amount_cents": 3000 * k, "reference": reference_for(ref), "status": PaymentStatus.PAID.value,
                             "paid_cents": 3000 * k, "created_at": now})
            ref += 1
            entries.append({"member_id": member_id, "kind": EntryKind.SUBSCRIPTION.value, "effective_on": on,
                            "shares": k, "amount_cents": 3000 * k, "capital_cents": 3000 * k, "paid_cents": 0,
                            "category": members[i]["category"], "note": "", "recorded_at": now})
            entries.append({"member_id": member_id, "kind": EntryKind.PAYMENT.value,
                            "effective_on": on + timedelta(days=rng.randint(1, 20)), "shares": 0,
                            "amount_cents": 3000 * k, "capital_cents": 0, "paid_cents": 3000 * k, "note": "",
                            "recorded_at": now})
        if rng.random() < 0.02 and shares > 1:
            entries.append({"member_id": member_id, "kind": EntryKind.REDEMPTION.value,
                            "effective_on": joined + timedelta(days=500), "shares": -1, "amount_cents": -3000,
                            "capital_cents": -3000, "paid_cents": -3000, "note": "", "recorded_at": now})
        elif rng.random() < 0.01:
            entries.append({"member_id": member_id, "kind": EntryKind.RESIGNATION.value,
                            "effective_on": joined + timedelta(days=700), "shares": 0, "amount_cents": 0,
                            "capital_cents": 0, "paid_cents": 0, "note": "", "recorded_at": now})
    # One open request per member for the statement to pay.
    open_refs = []
    for member_id in member_ids:
        reference = reference_for(10**9 + ref)
        ref += 1
        open_refs.append(reference)
        requests.append({"member_id": member_id, "purpose": PaymentPurpose.ADDITIONAL_SHARES.value, "shares": 1,
                         "amount_cents": 3000, "reference": reference, "status": PaymentStatus.OPEN.value,
                         "paid_cents": 0, "created_at": now})
    for start in range(0, len(requests), 5000):
        db.session.execute(insert(PaymentRequest), requests[start:start + 5000])
    for start in range(0, len(entries), 5000):
        db.session.execute(insert(ShareEntry), entries[start:start + 5000])
    db.session.execute(insert(Account), [{"email": "bench-staff@example.be", "display_name": "Staff", "language": "en",
                                          "session_version": 1, "active": True, "created_at": now}])
    staff_id = db.session.scalar(select(Account.id).where(Account.email == "bench-staff@example.be"))
    db.session.execute(insert(AccountRole), [{"account_id": staff_id, "role": Role.STAFF.value}])
    db.session.commit()  # bench: the loaded register is committed before it is measured
    busiest = db.session.execute(
        select(ShareEntry.member_id).group_by(ShareEntry.member_id)
        .order_by(__import__("sqlalchemy").func.count().desc()).limit(1)).scalar()
    return {"open_refs": open_refs, "member_ids": member_ids, "staff_id": staff_id, "entries": len(entries),
            "busiest": busiest}


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[max(int(len(values) * 0.95) - 1, 0)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=36_000)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--skip-pdf", action="store_true")
    parser.add_argument("--skip-bank", action="store_true",
                        help="skip the camt.053 import and the renewal campaign (minutes at full volume)")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-register-")
    from flask_login.utils import _create_identifier
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db
    from app.models import Account

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "SERVER_NAME": None,
                      "PUBLIC_URL": "http://localhost"})
    figures: dict = {"members": args.members}
    rng = random.Random(2026)
    with app.app_context():
        db.create_all()
        t = time.perf_counter()
        data = build(db, args.members, rng)
        figures["build_s"] = round(time.perf_counter() - t, 1)
        figures["entries"] = data["entries"]
        print(f"built {args.members} members, {data['entries']} entries in {figures['build_s']} s", flush=True)

        if args.skip_bank:
            figures["camt_import_s"] = figures["renewal_campaign_s"] = None
            print("camt.053 import and renewal campaign skipped (--skip-bank)", flush=True)
        else:
            from shares.bank import import_statement
            from shares.camt_writer import Credit, write_camt053
            from shares.settings import setting

            from app.clock import today as brussels_today

            # Booked the day the open requests were made: a transfer booked before could not pay them (it waits).
            today = brussels_today()
            credits = [Credit(3000, today, f"Payer {i}", reference=r) for i, r in enumerate(data["open_refs"])]
            statement = write_camt053(setting("COOP_IBAN"), "BENCH-1", 0, credits)
            t = time.perf_counter()
            result = import_statement(statement, filename="bench.xml")
            db.session.commit()  # bench: the import is timed with its commit
            figures["camt_import_s"] = round(time.perf_counter() - t, 1)
            figures["camt_transactions"] = len(credits)
            figures["camt_matched"] = result.counts.get("matched", 0)
            print(f"camt.053 import of {len(credits)} transactions: {figures['camt_import_s']} s "
                  f"({figures['camt_matched']} matched)", flush=True)
            t = time.perf_counter()
            again = import_statement(statement, filename="bench.xml")
            figures["camt_reimport_s"] = round(time.perf_counter() - t, 2)
            assert again.already_imported

            try:
                from shares.renewal import run_campaign
            except ImportError:
                run_campaign = None
            if run_campaign is None:
                figures["renewal_campaign_s"] = None
                print("renewal campaign: shares.renewal.run_campaign not available", flush=True)
            else:
                t = time.perf_counter()
                campaign = run_campaign(2026)
                db.session.commit()  # bench: the campaign is timed with its commit
                figures["renewal_campaign_s"] = round(time.perf_counter() - t, 1)
                figures["renewal_requested"] = getattr(campaign, "requested", None)
                print(f"renewal campaign 2026: {figures['renewal_campaign_s']} s "
                      f"({figures['renewal_requested']} requests)", flush=True)

        on = date(2025, 12, 31)
        # The CSV as staff download it (the same rows and words as the streamed response).
        import io

        from flask_babel import force_locale

        from app.csvexport import write_csv
        from shares.exports import register_csv_header, register_csv_rows, write_register_pdf

        counter_csv = {"n": 0}

        def count_csv(*_args, **_kwargs):
            counter_csv["n"] += 1
        event.listen(db.engine, "before_cursor_execute", count_csv)
        t, c = time.perf_counter(), time.process_time()
        with app.test_request_context("/"), force_locale("fr"):
            out = io.StringIO()
            write_csv(out, register_csv_header(), register_csv_rows(on))
        figures["register_csv_s"] = round(time.perf_counter() - t, 1)
        figures["register_csv_cpu_s"] = round(time.process_time() - c, 1)
        figures["register_csv_queries"] = counter_csv["n"]
        figures["register_csv_bytes"] = len(out.getvalue().encode())
        print(f"register CSV as of {on}: {figures['register_csv_s']} s, {counter_csv['n']} queries "
              f"({figures['register_csv_bytes'] // 1024} KiB)", flush=True)
        if args.skip_pdf:
            figures["register_pdf_s"] = None
        else:
            counter_csv["n"] = 0
            t, c = time.perf_counter(), time.process_time()
            with app.test_request_context("/"), force_locale("fr"):
                pdf = io.BytesIO()
                rows = write_register_pdf(on, pdf)
            figures["register_pdf_s"] = round(time.perf_counter() - t, 1)
            figures["register_pdf_cpu_s"] = round(time.process_time() - c, 1)
            figures["register_pdf_queries"] = counter_csv["n"]
            figures["register_pdf_bytes"] = len(pdf.getvalue())
            print(f"register PDF as of {on}: {figures['register_pdf_s']} s for {rows} members, "
                  f"{counter_csv['n']} queries ({len(pdf.getvalue()) // 1024} KiB)", flush=True)
        event.remove(db.engine, "before_cursor_execute", count_csv)

        staff_session_id = db.session.get(Account, data["staff_id"]).get_id()
        engine = db.engine
        db.session.remove()
    # Pages are timed outside the long-lived app context: each request gets its own, as in production
    # (flask-login caches the current user on the app context).
    if True:
        client = app.test_client()
        with app.test_request_context(environ_base=client.environ_base):
            identifier = _create_identifier()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"], session["_id"] = staff_session_id, True, identifier

        counter = {"n": 0}

        def count(*_args, **_kwargs):
            counter["n"] += 1
        event.listen(engine, "before_cursor_execute", count)

        cpu: dict[str, list[float]] = {}

        def timed(url: str, kind: str = "other", **headers) -> tuple[float, int]:
            """Wall time and query count of one request; its CPU time (the server's own work, which a
            loaded shared machine does not inflate) is kept per page kind in ``cpu``."""
            counter["n"] = 0
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url, headers=headers)
            elapsed = time.perf_counter() - t0
            cpu.setdefault(kind, []).append(time.process_time() - c0)
            assert response.status_code == 200, (url, response.status_code, response.location)
            return elapsed, counter["n"]

        words = ["dubois", "peeters marie", "lef", "van damme", "claes", "12345", "noel", "wouters jan"]
        search = [timed(f"/staff/members?q={rng.choice(words)}", "search") for _ in range(args.samples)]
        pages = [timed(f"/staff/members/{rng.choice(data['member_ids'])}", "member_page")
                 for _ in range(args.samples)]
        figures["search_p95_ms"] = round(p95([s for s, _ in search]) * 1000, 1)
        figures["member_page_p95_ms"] = round(p95([s for s, _ in pages]) * 1000, 1)
        figures["search_queries"] = sorted({q for _, q in search})
        figures["member_page_queries"] = sorted({q for _, q in pages})
        figures["member_page_queries_busiest"] = timed(f"/staff/members/{data['busiest']}")[1]
        figures["register_page_queries"] = sorted({timed("/staff/register?on=2025-12-31&page=1")[1],
                                                   timed("/staff/register?on=2025-12-31&page=50")[1],
                                                   timed("/staff/register?on=2021-02-01&page=1")[1]})
        figures["queue_page_queries"] = timed("/staff/payments/queue")[1]
        pages_count = max(args.members // 100, 1)
        reg = [timed(f"/staff/register?on=2025-12-31&page={rng.randint(1, pages_count)}", "register_page")[0]
               for _ in range(args.samples)]
        figures["register_page_p95_ms"] = round(p95(reg) * 1000, 1)
        # Staff's task badge, asked by every page they open (the lapses due, not the letters), and their home
        # page, which also counts the renewal letters due today (the campaign's plan, over the whole register).
        badge = [timed("/tasks/badge", "task_badge", **{"HX-Request": "true"}) for _ in range(3)]
        figures["task_badge_queries"] = sorted({q for _, q in badge})
        home = [timed("/", "staff_home") for _ in range(3)]
        figures["staff_home_queries"] = sorted({q for _, q in home})
        for kind in ("search", "member_page", "register_page", "task_badge", "staff_home"):
            figures[f"{kind}_cpu_p95_ms"] = round(p95(cpu[kind]) * 1000, 1)
        figures["load_average"] = round(os.getloadavg()[0], 1)
        print(f"member search p95 {figures['search_p95_ms']} ms ({figures['search_queries']} queries); "
              f"member register page p95 {figures['member_page_p95_ms']} ms ({figures['member_page_queries']} "
              f"queries, busiest member {figures['member_page_queries_busiest']}); register page p95 "
              f"{figures['register_page_p95_ms']} ms ({figures['register_page_queries']} queries); "
              f"queue page queries {figures['queue_page_queries']}", flush=True)
        print(f"CPU time p95 (the server's own work): search {figures['search_cpu_p95_ms']} ms, member page "
              f"{figures['member_page_cpu_p95_ms']} ms, register page {figures['register_page_cpu_p95_ms']} ms, "
              f"staff's task badge {figures['task_badge_cpu_p95_ms']} ms ({figures['task_badge_queries']} queries), "
              f"staff's home page {figures['staff_home_cpu_p95_ms']} ms ({figures['staff_home_queries']} queries); "
              f"load average {figures['load_average']}", flush=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
