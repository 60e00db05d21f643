"""The public board, the record, casting, the scrutineer page and the officer page."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect, request, send_file,
                   stream_with_context, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.authz import login_required, permission_required
from app.errors import error_message, register_messages
from app.jobs import public_url
from app.uow import unit_of_work
from app.web import query_int, render
from voting import errors, queries, reasons, services, texts, verifier_file
from voting.crypto.ballot import ballot_tracker
from voting.crypto.encoding import EncodingError, strict_loads
from voting.trustee import is_private_file
from voting.forms import ActionForm, TrackerSearchForm, UploadForm
from voting.verify import fetched
from voting.models import ElectionState
from voting.permissions import (
    can_act_as_trustee,
    can_cast_ballot,
    can_manage_election,
    can_see_scrutineer_page,
)

bp = Blueprint("voting", __name__, template_folder="templates", url_prefix="/voting")

# What each refusal means, in the user's language (services never word errors); registered below.
MESSAGES: dict[type, Any] = {
    errors.MalformedBallot: _l("The ballot is not in the expected format."),
    errors.InvalidGroupElement: _l("The ballot contains a value that is not a valid encryption."),
    errors.InvalidProof: _l("A proof in the ballot does not hold: it was not made for these choices, this "
                            "election or this credential."),
    errors.InvalidSignature: _l("The ballot's signature does not match its credential."),
    errors.InvalidTrusteeData: lambda exc: _trustee_data_message(exc),
    errors.InvalidTrusteeSignature: _l("The file's signature is not this scrutineer's key for this election: make it "
                                       "again with your own private key file of this election."),
    errors.StepForAnotherElection: _l("This file was made for another election: upload the one made for this "
                                      "election."),
    errors.ComplaintUnfounded: _l("This complaint proves nothing against the scrutineer it names: the share it "
                                  "reveals opens and matches that scrutineer's commitments, or the revealed key is "
                                  "not proven to be the true one. That scrutineer stays in key generation."),
    errors.UnknownCredential: _l("This voting credential is not on the list of this election."),
    errors.RevokedCredential: _l("This voting credential has been revoked."),
    errors.NotYourCredential: _l("This voting credential was sent to another member. Use the link you received "
                                 "yourself while signed in with your own account."),
    errors.AlreadyRevoked: _l("This voting credential was already revoked."),
    errors.CredentialAfterOpen: _l("The ballot box is open: a credential can now only replace a revoked one."),
    errors.NotEnoughSeals: _l("Not enough scrutineers have signed the seal of the closed ballot box yet."),
    errors.LoginRequired: _l("Please sign in to vote in this election."),
    errors.NotATrustee: _l("This file belongs to another scrutineer."),
    errors.BallotAfterClose: _l("The ballot box is closed: no more ballots are accepted."),
    errors.BallotBoxNotOpen: _l("The ballot box is not open yet."),
    errors.CopiedBallot: _l("This ballot contains an encrypted choice copied from another voter's ballot."),
    errors.DuplicateBallot: _l("This very ballot is already on the board: it was already counted. To change "
                               "your vote, fill in the ballot again."),
    errors.ReusedCiphertext: _l("This ballot re-uses an encrypted choice already on the board. Fill in the "
                                "ballot again to change your vote."),
    errors.WrongState: _l("This step is not possible in the election's current state."),
    errors.AlreadyClosed: _l("The vote is already closed."),
    errors.ChairedByAssembly: _l("This election is a general assembly's vote: it is opened and closed from the "
                                 "assembly's chair's console, which keeps the meeting's calendar."),
    errors.AlreadyPublished: _l("This step has already been published."),
    errors.BoardBusy: _l("The board is very busy. Please try again."),
    errors.WrongFingerprint: _l("This ballot was made for another election (its fingerprint differs)."),
    errors.NotEnoughTrustees: _l("Not enough scrutineers have decrypted the tally yet."),
    errors.InvalidDefinition: _l("The election definition is not valid."),
    errors.NoCredentials: _l("Publish the voting credentials before opening the ballot box."),
    errors.InvalidCredentialList: _l("The credential list is not valid."),
    errors.DuplicateSlug: _l("An election with this short name already exists."),
    errors.ItemAlreadyClosed: _l("The vote on this item is already closed."),
    errors.ItemNotOpen: _l("The vote on this item is not open yet: open it before closing it."),
    errors.ItemNotHeld: _l("The vote on this item is already open."),
    errors.UnknownContest: _l("This election has no such question."),
}


def _trustee_data_message(exc: errors.InvalidTrusteeData) -> str:
    """A scrutineer's file refused for one of many reasons (signature, proof, share, seal...): the
    page's sentence, then what is wrong in the words the command-line tools use for that code
    (voting/reasons.py: one sentence per code, in the same catalogue)."""
    message = _("The file does not verify against the published record.")
    code = exc.info.get("code", exc.code)
    return f"{message} {_(reasons.sentence(code))}" if code in reasons.SENTENCES else message


register_messages(MESSAGES)  # one registry (app.errors): error_message(exc) words a refusal anywhere


def _json_error(exc: errors.VotingError, message: str | None = None) -> Response:
    body: dict[str, Any] = {"error": exc.info.get("code", exc.code), "message": message or error_message(exc)}
    if exc.detail:
        body["detail"] = exc.detail
    if isinstance(exc, errors.NotEnoughTrustees):
        body["missing"] = exc.missing
    response = jsonify(body)
    response.status_code = exc.status
    return response


def _json_body() -> Any:
    """The request's JSON, strictly (voting.crypto.encoding.strict_loads): integers only, no NaN,
    no duplicate keys, bounded nesting; else 400 with the reason."""
    if not request.is_json:
        abort(Response(json.dumps({"error": "not_json", "message": _("Send the data as JSON.")}),
                       status=400, mimetype="application/json"))
    try:
        return strict_loads(request.get_data(cache=False))
    except EncodingError as exc:
        abort(Response(json.dumps({"error": "not_json", "message": _("Send the data as JSON.") + " "
                                   + _("Only whole numbers, no deeper than 16 levels, each key once."),
                                   "detail": str(exc)}), status=400, mimetype="application/json"))


# -- public ----------------------------------------------------------------------------------------

@bp.route("/")
def index():
    return render("voting/index.html", elections=queries.elections(),
                  mine=queries.voter_status(current_user.id) if current_user.is_authenticated else {})


@bp.route("/<slug>/board")
def board(slug: str):
    election = queries.election_by_slug(slug)
    form = TrackerSearchForm(request.args, meta={"csrf": False})
    page = query_int("page", 1, low=1)
    found = queries.tracker_standings(election, queries.find_tracker(election, form.q.data)) if form.q.data else []
    if request.headers.get("HX-Target") == "tracker-results":
        return render("voting/board.html", "voting/_partials/tracker_results.html", election=election, form=form,
                      found=found, page_of=queries.board_page_number)
    rows, total = queries.board_page(election, page)
    return render("voting/board.html", "voting/_partials/board_events.html", election=election, form=form,
                  found=found, page_of=queries.board_page_number, rows=rows, total=total, page=page, page_size=queries.PAGE_SIZE,
                  counts=queries.board_counts(election), result=services.result(election),
                  **_record_for_verifier(election))


def _record_file(election) -> str:
    return f"{election.slug}-record.json"


def _record_for_verifier(election) -> dict[str, Any]:
    """What the board's command hands the verifier: the record's address if the verifier can fetch
    it (voting.verify.fetched: https only), else the file the record downloads as."""
    address = public_url(url_for("voting.record", slug=election.slug))
    fetchable = fetched(address)
    return {"record_fetched": fetchable, "record_source": address if fetchable else _record_file(election)}


@bp.route("/<slug>/record.json")
def record(slug: str):
    election = queries.election_by_slug(slug)
    headers = {"Content-Disposition": f'attachment; filename="{_record_file(election)}"'}
    return Response(stream_with_context(services.export_record(election)), mimetype="application/json",
                    headers=headers)


@bp.route("/une-voix-verify.pyz")
def verifier_download():
    """The independent verifier as one file, for members to check a record on their own computer."""
    path = verifier_file.served_copy(Path(current_app.instance_path))
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name="une-voix-verify.pyz")


@bp.route("/<slug>/election.json")
def election_json(slug: str):
    election = queries.election_by_slug(slug)
    return jsonify({"slug": election.slug, "state": election.state.value, "fingerprint": election.fingerprint,
                    "definition": election.definition, "public_key": election.public_key,
                    "require_login": election.require_login,
                    "closed_contests": sorted(services.closed_contests(election)),
                    # held back at the opening, not opened yet by the chair (5.8b)
                    "held_contests": sorted(services.waiting_contests(election)),
                    "ballots_url": url_for("voting.cast", slug=slug),
                    "record_url": url_for("voting.record", slug=slug)})


@bp.route("/<slug>/commitments.json")
def commitments_json(slug: str):
    """Every trustee's step-1 data (what keygen2 needs), from the board."""
    election = queries.election_by_slug(slug)
    return jsonify({"election": election.fingerprint,
                    "commitments": queries.event_data(election, "trustee_commitments")})


@bp.route("/<slug>/tally.json")
def tally_json(slug: str):
    """The encrypted tally and its event hash (what a partial decryption needs), from the board."""
    election = queries.election_by_slug(slug)
    tally = services.tally_event(election)
    if tally is None:
        abort(404)
    return jsonify({"election": election.fingerprint, "seq": tally.seq, "hash": tally.hash, "tally": tally.data,
                    "public_shares": {d["trustee"]: d["public_share"]
                                      for d in queries.event_data(election, "trustee_share")}})


@bp.route("/<slug>/seal.json")
def seal_json(slug: str):
    """What each scrutineer signs to seal the closed board (``seal_signature``, see
    docs/election-record.md): post it, signed, to ``/voting/<slug>/trustees/<id>/steps``."""
    election = queries.election_by_slug(slug)
    if election.state not in (ElectionState.CLOSED, ElectionState.TALLIED):
        abort(404)
    close = queries.event_data(election, "close")[0]
    close_row = services.close_event(election)
    electorate = services.electorate(election)
    return jsonify({"election": election.fingerprint, "close": close_row.hash, "head": close["head"],
                    "counted": close["counted"], "ballots": close["ballots"], "electorate": electorate,
                    "threshold": services.crypto_election(election).threshold,
                    "signed": services.seal_progress(election)})


@bp.route("/<slug>/vote")
def vote(slug: str):
    """Where the credential link lands (the credential stays in the #fragment, in the browser)."""
    election = queries.election_by_slug(slug)
    member = queries.voter_contact(election, current_user.id) if current_user.is_authenticated else None
    # A signed-in member no credential was ever sent to is told so, instead of a ballot they cannot cast.
    not_a_voter = (election.require_login and member is not None
                   and not queries.delivered_credential(election, member.id))
    return render("voting/vote.html", election=election, closed=services.closed_contests(election),
                  waiting=services.waiting_contests(election), not_a_voter=not_a_voter)


@bp.route("/<slug>/credentials/<public>")
def credential_use(slug: str, public: str):
    """What the ballot page says about the credential it holds (its public part, computed in the
    browser), before the voter chooses: in whose name they vote, whether a ballot of theirs already
    counts, or the refusal casting would give."""
    election = queries.election_by_slug(slug)
    member = queries.voter_contact(election, current_user.id) if current_user.is_authenticated else None
    try:
        if not re.fullmatch(r"[0-9a-f]{64}", public):
            raise errors.UnknownCredential()
        use = services.credential_use(election, public, member)
    except errors.VotingError as exc:
        # A revoked credential: the page says why, the member's own (a proxy given, a newer link) or
        # another's in their hands (a proxy withdrawn by its giver).
        owner = queries.credential_owner(election, public) \
            if isinstance(exc, errors.RevokedCredential) and member is not None else None
        if owner is None:
            words = None
        elif owner == member.id:
            words = texts.why_revoked(member, election, queries.has_live_credential(election, member.id))
        else:
            words = texts.why_held_revoked(member, election, owner, queries.credential_revoked_at(election, public))
        response = _json_error(exc, words)
        if isinstance(exc, errors.UnknownCredential):  # no such resource (a cast with it is refused: 403)
            response.status_code = 404
        return response
    cast_for = None
    if use.proxy_of:
        message = _("You are voting in the name of %(name)s, who gave you their proxy.", name=use.proxy_of)
        # Said after the cast; filled in here, where the name is known, so that French elides ("d'Olivier").
        cast_for = _("This ballot was cast in the name of %(name)s, who gave you their proxy.", name=use.proxy_of)
        if use.voted:
            message += " " + _("You have already voted for them: this ballot will replace the earlier one.")
    else:
        message = _("You have already voted with this credential: this ballot will replace the earlier one.") \
            if use.voted else None
    return jsonify({"proxy_of": use.proxy_of, "voted": use.voted, "message": message, "cast_for": cast_for})


@bp.route("/<slug>/ballots", methods=["POST"])
def cast(slug: str):
    """Cast a ballot (JSON). 201 with the tracker, or the reason and status of the refusal."""
    election = queries.election_for_casting(slug)
    if election.require_login and not current_user.is_authenticated:
        return _json_error(errors.LoginRequired())
    if not can_cast_ballot(current_user, election):
        abort(403)
    ballot = _json_body()
    member = queries.voter_contact(election, current_user.id) if current_user.is_authenticated else None
    if election.require_login and member is None:
        return _json_error(errors.LoginRequired("this account is not a member"))

    def receipt(tracker: str) -> None:  # the credential is known good here (a proxy's: the giver named)
        services.mail_tracker(election, tracker, member, queries.proxy_giver_name(election, ballot["credential"],
                                                                                   member.id))
    election_id = election.id  # the commit expires the row; a repeated ballot's answer needs only its id
    try:
        with unit_of_work():
            landed = services.cast_ballot(election, ballot, member,
                                           before_lock=receipt if member is not None else None)
    except errors.DuplicateBallot as exc:
        # A retry of a ballot already on the board (a phone that lost the network after sending):
        # idempotent, keyed by the ballot's hash: the same tracker again, nothing counted twice.
        known = queries.find_tracker(election, ballot_tracker(ballot)) if isinstance(ballot, dict) else []
        if not known:
            return _json_error(exc)
        tracker = ballot_tracker(ballot)
        return jsonify({"tracker": tracker, "already": True, "board": url_for("voting.board", slug=slug, q=tracker),
                        "not_counted": queries.closed_before_ballot(election_id, tracker)})
    except errors.VotingError as exc:
        if isinstance(exc, errors.NotYourCredential):  # the owner is told, the refusal stands
            with unit_of_work():
                services.warn_credential_owner(election, exc.info.get("owner_id"))
        return _json_error(exc)
    response = jsonify({"tracker": landed.tracker, "board": url_for("voting.board", slug=slug, q=landed.tracker),
                        "not_counted": landed.not_counted})
    response.status_code = 201
    return response


@bp.route("/<slug>/progress")
def progress(slug: str):
    """htmx, every few seconds from a page that waits on others (a scrutineer's, the officer's, the
    chair's): nothing (204) while the election is as the page showed it, else a line offering to reload."""
    election = queries.election_by_slug(slug)
    if request.args.get("shown", "") == queries.progress_stamp(election):
        return "", 204
    return render("voting/_partials/progress_moved.html", election=election)


# -- scrutineers -----------------------------------------------------------------------------------

def _scrutineer_context(election, form=None, error=None):
    mine = queries.trustees_of_account(election, current_user.id)
    return dict(election=election, trustees=mine, form=form or UploadForm(), error=error,
                missing=services.missing_trustees(election), progress=services.keygen_progress(election),
                tally=services.tally_event(election), seals=services.seal_progress(election),
                complaints=queries.event_data(election, "trustee_complaint"), private_file_refused=PRIVATE_FILE_REFUSED)


@bp.route("/<slug>/scrutineer")
@login_required
def scrutineer(slug: str):
    """The scrutineer's page. Its live part asks again with ``shown`` (the stamp it shows, see
    queries.progress_stamp): 204 while nothing moved, else the page, whose parts htmx swaps in, and a
    "scrutineer-moved" event {state, stamp} for the browser tool."""
    election = queries.election_by_slug(slug)
    if not can_see_scrutineer_page(current_user, election):
        abort(403)
    shown = request.args.get("shown")
    if shown is None:
        return render("voting/scrutineer.html", **_scrutineer_context(election))
    stamp = queries.progress_stamp(election)
    if shown == stamp:
        return "", 204
    response = render("voting/scrutineer.html", **_scrutineer_context(election))
    response.headers["HX-Trigger"] = json.dumps({"scrutineer-moved": {"state": election.state.value, "stamp": stamp}})
    return response


def _trustee_or_403(election, trustee_id: str):
    trustee = queries.trustee_for(election, trustee_id)
    if not can_act_as_trustee(current_user, election, trustee):
        abort(403)
    return trustee


@bp.route("/<slug>/scrutineer/<trustee_id>/upload", methods=["POST"])
@login_required
def scrutineer_upload(slug: str, trustee_id: str):
    """A file from ``python -m voting.trustee`` (init public keys, keygen1, keygen2 or decrypt)."""
    election = queries.election_by_slug(slug)
    trustee = _trustee_or_403(election, trustee_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return render("voting/scrutineer.html", status=400, **_scrutineer_context(election, form))
    try:
        data = strict_loads(form.file.data.read())
    except (UnicodeDecodeError, ValueError):
        form.file.errors.append(_("This file is not JSON produced by the scrutineer tool."))
        return render("voting/scrutineer.html", status=400, **_scrutineer_context(election, form))
    if is_private_file(data):  # the page's script refuses it before sending; this says it to any other client
        form.file.errors.append(PRIVATE_FILE_REFUSED)
        return render("voting/scrutineer.html", status=400, **_scrutineer_context(election, form))
    try:
        with unit_of_work():
            _record_upload(election, trustee, data)
    except errors.VotingError as exc:
        # The sentence in the reader's language; the technical detail (English) folded away beneath it.
        form.file.errors.append(error_message(exc))
        detail = {"trustee": trustee.trustee_id, "text": f"{exc.info.get('code', exc.code)}: {exc.detail}"} \
            if exc.detail else None
        return render("voting/scrutineer.html", status=exc.status, refusal_detail=detail,
                      **_scrutineer_context(election, form))
    flash(_("Your file was checked and published on the board."), "success")
    return redirect(url_for("voting.scrutineer", slug=slug))


PRIVATE_FILE_REFUSED = _l("This is one of your private files (your key, your key-generation state or your share): it "
                          "is never uploaded, and nothing of it was kept. Upload the file the tool wrote for "
                          "publication.")


def _record_upload(election, trustee, data: Any) -> None:
    if isinstance(data, dict) and "signing_key" in data and "encryption_key" in data:
        services.register_trustee_keys(election, trustee, data)
    else:
        services.record_trustee_step(election, data, trustee)


@bp.route("/<slug>/trustees/<trustee_id>/keys", methods=["POST"])
@login_required
def trustee_keys(slug: str, trustee_id: str):
    """JSON: the public half of the scrutineer's identity ({id, name, signing_key, encryption_key})."""
    election = queries.election_by_slug(slug)
    trustee = _trustee_or_403(election, trustee_id)
    try:
        with unit_of_work():
            services.register_trustee_keys(election, trustee, _json_body())
    except errors.VotingError as exc:
        return _json_error(exc)
    return jsonify({"ok": True, "state": election.state.value, "fingerprint": election.fingerprint,
                    "stamp": queries.progress_stamp(election)}), 201


@bp.route("/<slug>/trustees/<trustee_id>/steps", methods=["POST"])
@login_required
def trustee_step(slug: str, trustee_id: str):
    """JSON: a signed step exactly as the CLI writes it (keygen1, keygen2 or decrypt output)."""
    election = queries.election_by_slug(slug)
    trustee = _trustee_or_403(election, trustee_id)
    try:
        with unit_of_work():
            row = services.record_trustee_step(election, _json_body(), trustee)
    except errors.VotingError as exc:
        return _json_error(exc)
    return jsonify({"ok": True, "seq": row.seq, "hash": row.hash, "type": row.type,
                    "state": election.state.value, "stamp": queries.progress_stamp(election)}), 201


# -- officers --------------------------------------------------------------------------------------

@bp.route("/manage/")
@permission_required(can_manage_election)
def manage_index():
    return render("voting/manage_index.html", elections=queries.elections())


def _manage_context(election, error=None):
    counts = queries.board_counts(election)
    return dict(election=election, counts=counts, missing=services.missing_trustees(election),
                progress=services.keygen_progress(election), form=ActionForm(), error=error,
                seals=services.seal_progress(election), ready=services.officer_steps(election, counts),
                result=services.result(election))


@bp.route("/manage/<slug>")
@permission_required(can_manage_election)
def manage(slug: str):
    election = queries.election_by_slug(slug)
    return render("voting/manage.html", **_manage_context(election))


_ACTIONS = {
    "open": (services.open_election, _l("The ballot box is open.")),
    "close": (services.close_election, _l("The ballot box is closed.")),
    "tally": (services.compute_tally, _l("The encrypted tally is on the board. The scrutineers can now decrypt it.")),
    "result": (services.publish_result, _l("The result is published on the board.")),
}


@bp.route("/manage/<slug>/<action>", methods=["POST"])
@permission_required(can_manage_election)
def manage_action(slug: str, action: str):
    election = queries.election_by_slug(slug)
    if action not in _ACTIONS:
        abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    verb, done = _ACTIONS[action]
    try:
        if action in ("open", "close"):
            services.refuse_if_chaired_by_assembly(election)
        with unit_of_work():
            verb(election)
    except errors.VotingError as exc:
        election = queries.election_by_slug(slug)
        return render("voting/manage.html", status=exc.status, **_manage_context(election, error=exc))
    flash(str(done), "success")
    return redirect(url_for("voting.manage", slug=slug))


@bp.app_template_global()
def ballot_view(definition, lang: str) -> dict:
    return texts.ballot_view(definition, lang)


@bp.app_template_filter()
def election_title(election) -> str:
    return texts.election_title(election, str(get_locale()))


@bp.app_template_global()
def voting_accepts_ballots(election) -> bool:
    return services.accepts_ballots(election)


@bp.app_template_global()
def voting_event_words(event_type: str) -> str:
    return texts.event_words(event_type)


@bp.app_template_global()
def voting_trustee_names(definition, ids) -> str:
    """The scrutineers' names, for a sentence: "Anne Dupont, Jan Peeters"."""
    names = texts.trustee_names(definition, str(get_locale())[:2])
    return ", ".join(names.get(i, i) for i in ids)


@bp.app_template_global()
def voting_majority_words(code) -> str:
    return texts.majority_words(code)


@bp.app_template_global()
def voting_tie_rule_words(code) -> str:
    return texts.tie_rule_words(code)


@bp.app_template_global()
def voting_error_message(exc) -> str:
    return error_message(exc)


@bp.app_template_global()
def election_state_label(election) -> str:
    """The election's state in words; once its key is on the board, key generation reads "ready to open"."""
    state = election.state.value
    if election.state is ElectionState.KEYGEN and election.public_key is not None:
        state = "ready"
    return str(texts.STATE_WORDS[state])


@bp.app_template_global()
def progress_stamp(election) -> str:
    return queries.progress_stamp(election)


@bp.app_template_global()
def waiting_states() -> tuple[str, ...]:
    return queries.WAITING_STATES


@bp.app_template_global()
def election_chaired_by_assembly(election) -> bool:
    return services.chaired_by_assembly(election)
