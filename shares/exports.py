"""The register as of a date as a file: CSV (streamed) and PDF (drawn directly with fpdf2, about
15 s for 36,000 members, where an HTML-to-PDF rendering took minutes), and the background job that
makes either outside any web request, with its progress.

A staff member asks for a file (``request_export``); a thread of the web process (or
``flask shares run-exports`` from cron) makes it (``run_export``), writing ``done_rows`` as it goes;
the page polls and offers the download once it is ready.

A running job beats (``heartbeat_at``) when it starts and at each progress step. A job whose worker
stopped mid-run (a restart, a crash of the process) stops beating: ``fail_stalled`` marks it failed
as *stalled* once it has given no sign of life for ``SHARES_EXPORT_STALE_SECONDS`` (a queued job that
nothing started, likewise), and staff start a new one from its page."""
from __future__ import annotations

import functools
import logging
from itertools import groupby
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Iterable

import pyphen
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload

from app import audit

from app.clock import utcnow
from app.csvexport import Euros, write_csv
from app.extensions import db
from app.jobs import in_background, job_context
from app.models import Account
from app.web import euros, format_day, reader_locale
from shares import register
from shares.labels import date_column, entry_label, register_status
from shares.models import EntryKind, ExportStatus, Member, RegisterExport, ShareEntry

log = logging.getLogger(__name__)

FORMATS = ("pdf", "csv")


# ----------------------------------------------------------------------------------------------
# Rows in words: the same columns for CSV and PDF
# ----------------------------------------------------------------------------------------------

def register_csv_header() -> list[str]:
    return [_("No."), _("Member"), _("Kind of person"), _("Address"), _("National or enterprise number"),
            _("Category"), _("Status"), _("Shares"), _("Capital subscribed (EUR)"), _("Capital paid (EUR)"),
            *(date_column(k) for k in register.DATE_COLUMNS)]


def register_csv_rows(on: date, rows: Iterable | None = None):
    kinds = {"natural": _("natural person"), "legal": _("legal person")}
    statuses: dict[str, str] = {}
    columns = register.DATE_COLUMNS
    for row in rows if rows is not None else register.iter_register_rows(on):
        m, h = row.member, row.holding
        status = statuses.get(row.status)
        if status is None:
            status = statuses[row.status] = register_status(row.status)
        dates = row.dates
        yield [m.number, m.name, kinds[m.kind.value], _address(m), m.enterprise_number or m.national_number or "",
               h.category.value if h.category else "", status, h.shares,
               Euros(h.capital_cents), Euros(h.paid_cents),
               *(" ".join([d.isoformat() for d in dates[k]]) if k in dates else "" for k in columns)]


def entries_csv_header() -> list[str]:
    return [_("No."), _("Member"), _("Date"), _("Entry"), _("Shares"), _("Capital subscribed (EUR)"),
            _("Capital paid (EUR)"), _("Amount (EUR)")]


def entries_csv_rows(on: date):
    """Every entry of the register up to ``on``, one line each, by member number and date (a payment
    received before the subscription it pays after it: ``register.in_register_order``): what each
    entry changed (shares, capital subscribed and paid, each signed), so that a spreadsheet's sums of
    those columns are the register's totals on that date; and its amount, as the member's page shows
    it (a subscription's price, a payment received, a redemption refunded)."""
    entries = (register.register_select(ShareEntry, register.PAID_FROM).join(Member, Member.id == ShareEntry.member_id)
               .where(ShareEntry.effective_on <= on)
               .order_by(Member.number, ShareEntry.effective_on, ShareEntry.id)
               .options(joinedload(ShareEntry.member), joinedload(ShareEntry.payment_request))
               .execution_options(yield_per=1000))
    ahead = _("received before admission")
    # A member's entries in the register's order (a payment received before the subscription it pays
    # follows it): one member at a time, as read. Capital paid counts as the register counts it on ``on``:
    # money received before an admission still to come is no paid-up capital yet.
    for _member_id, rows in groupby(db.session.execute(entries), key=lambda row: row[0].member_id):
        rows = list(rows)
        counted = {entry.id for entry, paid_from in rows if paid_from is not None and paid_from <= on}
        group = [entry for entry, _paid_from in rows]
        early = register.paid_ahead(group)
        for entry in register.in_register_order(group):
            label = entry_label(entry)
            if entry.id in early or (entry.kind is EntryKind.PAYMENT and entry.id not in counted):
                label = f"{label} ({ahead})"
            paid = entry.paid_cents if entry.id in counted else 0
            yield [entry.member.number, entry.member.name, entry.effective_on, label, entry.shares,
                   Euros(entry.capital_cents), Euros(paid), Euros(entry.amount_cents)]


def _address(m) -> str:
    return f"{m.street}, {m.postcode} {m.city}, {m.country}".strip(", ")


# ----------------------------------------------------------------------------------------------
# The PDF register
# ----------------------------------------------------------------------------------------------

FONT_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf")
# Column widths in mm on A4 landscape (273 mm between the margins).
PDF_COLUMNS = (("number", 11), ("member", 60), ("identity", 20), ("category", 8), ("shares", 12),
               ("capital", 17), ("paid", 17), ("subscription", 20), ("payment", 20), ("fee", 20),
               ("transfers", 22), ("redemption", 18), ("status", 28))
LINE_MM = 3.6


def _pdf_class():
    from fpdf import FPDF

    class RegisterPDF(FPDF):
        """Rows drawn as plain text lines (``text()``), wrapped by our own word wrap on the font's
        character widths: fpdf2's cell machinery costs ~45 ms for a wrapped row, this ~0.4 ms."""

        heading: list[str] = []
        title_text = ""
        hyphenator = None  # a pyphen.Pyphen for the file's language, if it has a dictionary
        widths = [w for _, w in PDF_COLUMNS]
        fitted_heading: tuple[float, list[str]] | None = None  # the headings' size and cells, fitted once

        def header(self):
            self.set_font(self.font_name, size=9)
            self.text(self.l_margin, self.t_margin + 4, self.title_text)
            if self.fitted_heading is None:  # the same on every page: fitted on the first
                self.fitted_heading = self.fit_heading()
            size, cells = self.fitted_heading
            self.set_font(self.font_name, size=size)
            self.set_y(self.t_margin + 7)
            self.draw_row(cells, heading=True)
            self.set_font(self.font_name, size=6.5)

        def fit_heading(self) -> tuple[float, list[str]]:
            """The headings' font shrinks (to 5 pt at most) until each word fits its column: a heading
            word cut in two ("renouvellemen / t") reads badly. A word still too wide is hyphenated by
            the language's dictionary ("Hernieuwings- / bijdragen")."""
            size = 6.5
            self.set_font(self.font_name, size=size)
            while size > 5 and any(self.text_width(word) > w - 2 * self.c_margin
                                   for text, w in zip(self.heading, self.widths) for word in text.split()):
                size -= 0.25
                self.set_font(self.font_name, size=size)
            return size, [" ".join(piece for word in text.split() for piece in self.hyphenate(word, w - 2 * self.c_margin))
                          for text, w in zip(self.heading, self.widths)]

        def footer(self):
            self.set_font(self.font_name, size=6.5)
            self.set_y(self.h - 8.5)
            # cell(), not text(): fpdf2 puts the page count in place of {nb} only in cells
            self.cell(0, 3, f"{self.page_no()} / {{nb}}", align="R")

        def text_width(self, text: str) -> float:
            cw = self.current_font.cw
            return sum(cw[ord(c)] for c in text) * self.font_size_pt / 1000 / self.k

        def hyphenate(self, word: str, room: float) -> list[str]:
            """``word`` as pieces that each fit ``room``, cut where the dictionary allows, each but the
            last ending with a hyphen (the word whole if it fits or the language has no dictionary)."""
            pieces = []
            while self.hyphenator and self.text_width(word) > room:
                cuts = [(head, tail) for head, tail in self.hyphenator.iterate(word) if self.text_width(head + "-") <= room]
                if not cuts:
                    break
                # On two lines, the most even cut ("Hernieuwings- / bijdragen", not "Hernieuwingsbijdra- / gen");
                # else the longest first part (iterate() gives it first).
                last = [cut for cut in cuts if self.text_width(cut[1]) <= room]
                head, word = min(last, key=lambda cut: abs(self.text_width(cut[0] + "-") - self.text_width(cut[1]))) \
                    if last else cuts[0]
                pieces.append(head + "-")
            return pieces + [word]

        def wrap(self, text: str, width: float) -> list[str]:
            if not text:
                return [""]
            room = width - 2 * self.c_margin
            if self.text_width(text) <= room:
                return [text]
            lines, line = [], ""
            for word in text.split(" "):
                candidate = f"{line} {word}" if line else word
                if self.text_width(candidate) <= room:
                    line = candidate
                    continue
                if line:
                    lines.append(line)
                while self.text_width(word) > room:  # a word wider than its column is cut, not run over the next
                    cut = next((k for k in range(len(word) - 1, 0, -1) if self.text_width(word[:k]) <= room), 1)
                    lines.append(word[:cut])
                    word = word[cut:]
                line = word
            lines.append(line)
            return lines

        def draw_row(self, cells: list[str], heading: bool = False) -> None:
            lines = [self.wrap(text, w) for text, w in zip(cells, self.widths)]
            height = LINE_MM * max(len(chunk) for chunk in lines) + 0.8
            if not heading and self.get_y() + height > self.h - self.b_margin:
                self.add_page()
            y = self.get_y()
            x = self.l_margin
            for chunk, w in zip(lines, self.widths):
                for k, line in enumerate(chunk):
                    if line:
                        self.text(x + self.c_margin, y + LINE_MM * (k + 1) - 0.9, line)
                x += w
            self.line(self.l_margin, y + height, self.l_margin + sum(self.widths), y + height)
            self.set_y(y + height)

    return RegisterPDF


def _font_path() -> str | None:
    configured = current_app.config.get("SHARES_PDF_FONT")
    for path in ((configured,) if configured else ()) + FONT_PATHS:
        if path and Path(path).exists():
            return path
    return None


def coop_heading() -> str:
    from shares.certificates import coop_identity

    identity = coop_identity()
    return " · ".join(part for part in (identity["name"], identity["office"], identity["enterprise"]) if part)


def register_pdf_heading() -> list[str]:
    return [_("No."), _("Member"), _("Identity number"), _("Cat."), _("Shares"), _("Subscribed"), _("Paid"),
            date_column("subscription"), date_column("payment"), date_column("fee"), _("Transfers"),
            date_column("redemption"), _("Status")]


def write_register_pdf(on: date, out, progress: Callable[[int], None] | None = None) -> int:
    """Draw the register as of ``on`` into the binary file ``out``; returns the number of members.
    ``progress(n)`` is called every 500 members."""
    cls = _pdf_class()
    pdf = cls(orientation="L", format="A4")
    pdf.set_margins(12, 10, 12)
    pdf.set_auto_page_break(False)
    pdf.b_margin = 12
    font = _font_path()
    if font:
        pdf.add_font("RegisterSans", "", font)
        pdf.font_name = "RegisterSans"
    else:  # no TrueType font: the PDF core font (Latin-1 only)
        pdf.font_name = "Helvetica"
    as_of = _("Share register as of %(day)s", day=format_day(on, "long"))  # outside an f-string: extracted
    pdf.title_text = f"{coop_heading()} — {as_of}"
    pdf.heading = register_pdf_heading()
    language = pyphen.language_fallback(str(reader_locale()))
    pdf.hyphenator = pyphen.Pyphen(lang=language) if language else None
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font(pdf.font_name, size=6.5)
    totals = register.totals(on)
    for category, t in totals.items():
        # Each count with its own plural form ("1 member", "2 shares"): one sentence per category.
        counted = ngettext("%(num)d member", "%(num)d members", t.members)
        shares = ngettext("%(num)d share", "%(num)d shares", t.shares)
        pdf.cell(0, LINE_MM, _("Category %(category)s: %(members)s, %(shares)s, capital subscribed %(capital)s, "
                               "paid %(paid)s", category=category.value, members=counted, shares=shares,
                               capital=euros(t.capital_cents), paid=euros(t.paid_cents)),
                 new_x="LMARGIN", new_y="NEXT")
    count = 0
    clean = _latin1 if not font else (lambda text: text)
    # One locale for the whole file: amounts and dates repeat, format each once.
    money = functools.lru_cache(maxsize=4096)(euros)
    day = functools.lru_cache(maxsize=8192)(lambda d: format_day(d, "short"))

    labels = {key: date_column(key) for key in register.DATE_COLUMNS}

    def dates_text(dates, _style=None) -> str:
        return ", ".join(day(d) for d in dates)

    for row in register.iter_register_rows(on):
        m, h = row.member, row.holding
        transfers = "; ".join(_("%(label)s: %(dates)s", label=labels[key], dates=dates_text(row.dates[key]))
                              for key in ("ceded", "received") if row.dates.get(key))
        status = register_status(row.status)
        if row.dates.get("lapse") and row.status == "lapsed":
            status += " " + dates_text(row.dates["lapse"][-1:], "short")
        cells = [str(m.number), f"{m.name}, {_address(m)}", m.enterprise_number or m.national_number or "",
                 h.category.value if h.category else "", str(h.shares), money(h.capital_cents), money(h.paid_cents),
                 dates_text(row.dates.get("subscription", []), "short"),
                 dates_text(row.dates.get("payment", []), "short"), dates_text(row.dates.get("fee", []), "short"),
                 transfers, dates_text(row.dates.get("redemption", []), "short"), status]
        pdf.draw_row([clean(c) for c in cells])
        count += 1
        if progress and count % 500 == 0:
            progress(count)
    out.write(pdf.output())
    return count


def _latin1(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ").encode("latin-1", "replace").decode("latin-1")


# ----------------------------------------------------------------------------------------------
# The background job
# ----------------------------------------------------------------------------------------------

def export_dir() -> Path:
    path = Path(current_app.config["SHARES_EXPORT_DIR"])
    if not path.is_absolute():
        path = Path(current_app.instance_path) / path
    path.mkdir(parents=True, exist_ok=True)
    return path


def request_export(on: date, fmt: str, *, actor: Account | None, language: str) -> RegisterExport:
    """A queued export; the caller commits, then starts it (``start_in_background``)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    export = RegisterExport(as_of=on, format=fmt, language=language, requested_by_id=actor.id if actor else None,
                            total_rows=register.register_count(on))
    db.session.add(export)
    db.session.flush()
    return export


def export_path(export: RegisterExport) -> Path:
    return export_dir() / f"register-{export.id}-{export.as_of.isoformat()}.{export.format}"


def download_name(export: RegisterExport) -> str:
    return f"register-{export.as_of.isoformat()}.{export.format}"


def run_export(export_id: int) -> bool:
    """Make the file of a queued export. False when another worker took it first (conditional UPDATE)."""
    claimed = db.session.execute(update(RegisterExport).where(RegisterExport.id == export_id,
                                                              RegisterExport.status == ExportStatus.QUEUED)
                                 .values(status=ExportStatus.RUNNING, started_at=utcnow(), heartbeat_at=utcnow())
                                 .execution_options(synchronize_session=False)).rowcount
    db.session.commit()  # job: the claim is visible to other workers before the long work starts
    if claimed != 1:
        return False
    export = db.session.get(RegisterExport, export_id)
    db.session.refresh(export)
    path = export_path(export)
    partial = path.with_suffix(path.suffix + ".part")

    def progress(n: int) -> None:
        db.session.execute(update(RegisterExport).where(RegisterExport.id == export_id,
                                                        RegisterExport.status == ExportStatus.RUNNING)
                           .values(done_rows=n, heartbeat_at=utcnow())
                           .execution_options(synchronize_session=False))
        db.session.commit()  # job: progress is committed so that the page polling it sees it

    try:
        with job_context(), force_locale(export.language):
            if export.format == "pdf":
                with open(partial, "wb") as fh:
                    count = write_register_pdf(export.as_of, fh, progress)
            else:
                rows = _counting(register.iter_register_rows(export.as_of), progress)
                with open(partial, "w", encoding="utf-8", newline="") as fh:
                    write_csv(fh, register_csv_header(), register_csv_rows(export.as_of, rows))
                count = export.total_rows
        partial.replace(path)
    except Exception as exc:  # the job records its failure for the page, then the log has the rest
        db.session.rollback()  # job: drop what the failed run left, then record the failure
        log.exception("register export %s failed", export_id)
        db.session.execute(update(RegisterExport).where(RegisterExport.id == export_id,
                                                        RegisterExport.status == ExportStatus.RUNNING)
                           .values(status=ExportStatus.FAILED, finished_at=utcnow(), error=str(exc)[:500])
                           .execution_options(synchronize_session=False))
        db.session.commit()  # job: the failure is recorded for the page
        partial.unlink(missing_ok=True)
        return True
    # Only a job still running finishes: one marked stalled meanwhile stays failed (staff made another).
    done = db.session.execute(update(RegisterExport).where(RegisterExport.id == export_id,
                                                           RegisterExport.status == ExportStatus.RUNNING)
                              .values(status=ExportStatus.DONE, finished_at=utcnow(), done_rows=count,
                                      filename=path.name, heartbeat_at=utcnow())
                              .execution_options(synchronize_session=False)).rowcount
    db.session.commit()  # job: the outcome is recorded (or the late finish dropped)
    if done != 1:
        path.unlink(missing_ok=True)
        log.warning("register export %s finished after it was marked stalled: file dropped", export_id)
        return True
    log.info("register export %s done: %s rows", export_id, count)
    return True


def _counting(rows, progress):
    for n, row in enumerate(rows, start=1):
        if n % 500 == 0:
            progress(n)
        yield row


def start_in_background(export_id: int) -> None:
    """Run the export in a thread of this process (a stalled one is failed and can be made again)."""
    in_background(f"register-export-{export_id}", run_export, export_id)


def queued_exports() -> list[int]:
    return list(db.session.scalars(select(RegisterExport.id).where(RegisterExport.status == ExportStatus.QUEUED)
                                   .order_by(RegisterExport.id)))


def stale_limit() -> timedelta:
    return timedelta(seconds=int(current_app.config.get("SHARES_EXPORT_STALE_SECONDS", 600)))


def _stalled_condition(now):
    limit = now - stale_limit()
    return or_((RegisterExport.status == ExportStatus.RUNNING)
               & (func.coalesce(RegisterExport.heartbeat_at, RegisterExport.started_at, RegisterExport.created_at)
                  < limit),
               (RegisterExport.status == ExportStatus.QUEUED) & (RegisterExport.created_at < limit))


def fail_stalled() -> list[int]:
    """Mark failed (as stalled) the jobs that gave no sign of life within the limit: running ones whose
    worker stopped, and queued ones nothing started. One conditional UPDATE each (a job that beats at
    the same moment is left alone); audited. Flushes; the caller commits."""
    now = utcnow()
    failed = []
    for export in db.session.scalars(select(RegisterExport).where(_stalled_condition(now))):
        changed = db.session.execute(
            update(RegisterExport).where(RegisterExport.id == export.id, _stalled_condition(now))
            .values(status=ExportStatus.FAILED, finished_at=now, error=RegisterExport.STALLED)
            .execution_options(synchronize_session=False)).rowcount
        if changed == 1:
            db.session.refresh(export)
            audit.record("shares.register_export.stalled", export, actor=None,
                         after={"as_of": export.as_of, "format": export.format, "done_rows": export.done_rows})
            failed.append(export.id)
    if failed:
        log.warning("register exports marked stalled: %s", failed)
    return failed
