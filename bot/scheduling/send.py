"""Claim, send, record: one job from the plan, exactly once per delivery key.

The claim is a short transaction committed before anything is posted, so other processes see it
while the post is under way; the tick claims the messages of a batch of workspaces in one (hold),
and a claim that waited past half its lease for its turn is renewed before its post. Only the
winner posts. Success marks the delivery sent with the Slack ts (and, for a check-in, the
check-in row with its message) before deliver returns, in one transaction with the posts other
workers finished meanwhile (group commit). A failure after the client's own retries (429s wait
a Retry-After of up to 30 s; 5xx and timeouts back off) keeps the delivery claimed with its
error and a later lease (for a 429, the time Slack asked for), so a later tick retries it: it is
logged at WARNING and counted, never dropped. A process that dies after claiming leaves the same
state; its lease runs out and the next tick sends the message. (A death between Slack's answer
and the "sent" mark re-sends once after the lease: Slack has no idempotency key for
chat.postMessage.)

A post that Slack never answered (a read timeout, a dropped connection, a 504: see
bot.slack.clients.is_unconfirmed) may have landed, and the bot cannot look (no history scope).
It is sent at most once: marked sent without a ts and with a note, logged at WARNING, counted as
"unconfirmed", and treated as sent by what follows it (a doubled message in a team's channel is
worse than a missing one). Only the call that creates the message counts: a timeout while opening
a DM or uploading a chart's bytes posted nothing and is retried like any failure.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.metrics import DeliveryOutcome
from bot.scheduling import digest as digests
from bot.scheduling.deps import TickDeps
from bot.scheduling.kinds import Kind
from bot.scheduling.pacing import Stopped
from bot.scheduling.plan import Job
from bot.services.access import Access, Action
from bot.services.digests import DigestQuery
from bot.services.scheduling import DeliveryRef, PostedCheckin, SentRecord
from bot.services.types import Actor
from bot.slack.blocks.checkin import build_checkin, build_lead_dm, build_reminder
from bot.slack.blocks.common import escape, section
from bot.slack.blocks.plans import build_owner_dm
from bot.slack.clients import is_unconfirmed, rate_limit_wait
from bot.slack.directory import SlackDirectory, TTLCache
from bot.slack.i18n import t
from rubric.periods import Cadence

log = logging.getLogger(__name__)

MAX_RETRY_DELAY = timedelta(hours=1)


@dataclass(frozen=True)
class Outcome:
    job: Job
    status: str
    """"sent"; "unconfirmed" (Slack did not answer the post: recorded as sent, not re-sent);
    "failed" (will be retried); "lost" (another process holds the claim); or "stopped" (the
    process is stopping: not sent, left to the next tick)."""
    error: str | None = None
    """Why it failed, or the note on an unconfirmed post."""

    @property
    def went_out(self) -> bool:
        """Sent, or possibly sent: what follows it may go."""
        return self.status in ("sent", "unconfirmed")


class Unconfirmed(Exception):
    """The call that creates the message got no answer: Slack may have posted it."""

    def __init__(self, method: str, cause: Exception) -> None:
        super().__init__(f"{method}: {describe(cause)}")
        self.method = method
        self.cause = cause


class Sender:
    """Sends jobs for one tick. Thread-safe: workers share it."""

    def __init__(self, deps: TickDeps, now: datetime, started: float) -> None:
        self.deps = deps
        self.now = now
        self.started = started
        # A digest collected for its message, kept for the chart that follows it in this tick.
        self._digests: dict[tuple[int, str, str], digests.ChannelDigest] = {}
        # One client per workspace for the whole tick: with OAuth each lookup decrypts a token.
        self._clients: dict[str, WebClient] = {}
        self._lock = threading.Lock()
        # Who may read what, looked up once per person for the whole tick.
        self._people = TTLCache()
        # Claims taken ahead for a batch (hold): when each was made, None for one lost.
        self._held: dict[DeliveryRef, datetime | None] = {}
        # Posts waiting to be recorded, and the lock of the one thread recording at a time.
        self._unrecorded: list[_Unrecorded] = []
        self._recording = threading.Lock()

    def client(self, slack_team_id: str) -> WebClient:
        with self._lock:
            found = self._clients.get(slack_team_id)
        if found is None:
            found = self.deps.client_for(slack_team_id)
            with self._lock:
                self._clients[slack_team_id] = found
        return found

    def current(self) -> datetime:
        """The tick's `now` moved on by the time the tick has been running, so a long run claims
        with leases that are still ahead of the real clock."""
        return self.now + timedelta(seconds=self.deps.monotonic() - self.started)

    def deliver(self, job: Job) -> Outcome:
        deps = self.deps
        key = _ref(job)
        if deps.stopping.is_set():
            self._let_go(key)
            return Outcome(job, "stopped")
        if not self._claim(key):
            return Outcome(job, "lost")
        try:
            ts = self._send(job)
        except Stopped:
            # Its turn had not come: give the claim back, so the next tick sends it at once
            # rather than after the lease.
            deps.store.release(key, self.current())
            return Outcome(job, "stopped")
        except Unconfirmed as unconfirmed:
            return self._unconfirmed(job, key, unconfirmed)
        except Exception as error:
            return self._failed(job, key, error)
        self._record_sent(job, key, ts)
        deps.metrics.delivery(job.kind.value, DeliveryOutcome.SENT)
        return Outcome(job, "sent")

    # ---- claims and records of a batch ---------------------------------------------------------

    def hold(self, jobs: Iterable[Job]) -> None:
        """Claim these jobs in one transaction ahead of their sends (a batch of workspaces):
        deliver() then sends those won without a claim of its own. Each stays a claim with
        a lease, so what was never sent (the process died) goes out after it."""
        refs = {_ref(job) for job in jobs}
        if not refs:
            return
        at = self.current()
        won = self.deps.store.claim_many(refs, at, self.deps.lease)
        with self._lock:
            for ref in refs:
                self._held[ref] = at if ref in won else None

    def release_held(self) -> None:
        """Give back the claims held for jobs that were never delivered (a workspace whose
        pass broke off): the next tick sends them at once rather than after their lease."""
        with self._lock:
            held = [(ref, at) for ref, at in self._held.items() if at is not None]
            self._held.clear()
        for ref, at in held:
            # Only while still ours: after its lease another process may be posting it.
            self.deps.store.release(ref, self.current(), claimed_at=at)

    def _claim(self, key: DeliveryRef) -> bool:
        deps = self.deps
        with self._lock:
            held = self._held.pop(key, _NOT_HELD)
        if held is _NOT_HELD:
            return deps.store.claim(key, self.current(), deps.lease)
        if held is None:
            return False  # another process won it when the batch was claimed
        assert isinstance(held, datetime)
        now = self.current()
        if now - held < deps.lease / 2:
            return True
        # Long in waiting (Slack kept the batch busy): renewed while it is still ours.
        return deps.store.renew(key, held, now, deps.lease)

    def _let_go(self, key: DeliveryRef) -> None:
        with self._lock:
            held = self._held.pop(key, None)
        if isinstance(held, datetime):
            self.deps.store.release(key, self.current(), claimed_at=held)

    def _record(self, record: SentRecord) -> None:
        """Record a post as sent before returning, with whatever other workers posted
        meanwhile, in one transaction (group commit): while one thread writes, the records of
        the others queue up for the next write, so a post is recorded as soon as it would be
        on its own. When a write fails, each of its records is tried on its own, so one that
        cannot be recorded does not hold back the others; its error is raised here."""
        entry = _Unrecorded(record)
        with self._lock:
            self._unrecorded.append(entry)
        with self._recording:
            if not entry.done:
                with self._lock:
                    batch, self._unrecorded = self._unrecorded, []
                self._write(batch)
        if entry.error is not None:
            raise entry.error

    def _write(self, batch: list[_Unrecorded]) -> None:
        store = self.deps.store
        try:
            store.mark_sent_many([entry.record for entry in batch])
        except Exception as error:
            if len(batch) == 1:
                batch[0].error = error
            else:
                log.warning("could not record %d posts at once; one by one", len(batch))
                for entry in batch:
                    try:
                        store.mark_sent_many([entry.record])
                    except Exception as alone:
                        entry.error = alone
        for entry in batch:
            entry.done = True

    def _record_sent(
        self, job: Job, key: DeliveryRef, ts: str | None, note: str | None = None
    ) -> None:
        checkin = None
        if job.kind is Kind.CHECKIN and job.team_id is not None:
            asked = tuple(system_id for system_id, _ in job.systems)
            if job.team is not None and job.team.system_id is not None:
                asked = (job.team.system_id,)
            checkin = PostedCheckin(
                team_id=job.team_id, channel_id=job.channel_id, system_ids=asked
            )
        self._record(SentRecord(key, self.current(), ts, note, checkin))

    def _unconfirmed(self, job: Job, key: DeliveryRef, unconfirmed: Unconfirmed) -> Outcome:
        note = f"unconfirmed: {unconfirmed}"
        self._record_sent(job, key, None, note)
        log.warning(
            "Slack did not confirm %s to %s for %s; it may be there, and it will not be re-sent "
            "to avoid a duplicate: %s",
            job.kind.value,
            job.target,
            job.period_key,
            unconfirmed,
        )
        self.deps.metrics.delivery(job.kind.value, DeliveryOutcome.UNCONFIRMED)
        return Outcome(job, "unconfirmed", note)

    def _failed(self, job: Job, key: DeliveryRef, error: Exception) -> Outcome:
        deps = self.deps
        reason = describe(error)
        asked = rate_limit_wait(error)

        def delay(attempts: int) -> timedelta:
            if asked is not None:
                # Slack said when: a 429 whose Retry-After was too long to wait out here is
                # tried again by the first tick after it, not a lease later.
                return timedelta(seconds=max(asked, 1.0))
            doubled: int = 2 ** max(attempts - 1, 0)
            return min(deps.lease * doubled, max(MAX_RETRY_DELAY, deps.lease))

        attempts, retry_at = deps.store.mark_failed(
            key, reason, retry_after=delay, now=self.current()
        )
        log.warning(
            "could not send %s to %s for %s (attempt %d); retrying after %s: %s",
            job.kind.value,
            job.target,
            job.period_key,
            attempts,
            retry_at.isoformat() if retry_at else "its lease",
            reason,
            exc_info=not isinstance(error, SlackApiError | OSError),
        )
        deps.metrics.delivery(job.kind.value, DeliveryOutcome.FAILED)
        return Outcome(job, "failed", reason)

    # ---- the Slack side ----------------------------------------------------------------------

    def _send(self, job: Job) -> str | None:
        if job.kind is Kind.DIGEST:
            return self._post(job, job.channel_id, self._digest_payload(job))
        if job.kind is Kind.DIGEST_CHART:
            return self._upload_charts(job)
        if job.kind is Kind.PLAN_REMINDER:
            return self._plan_reminder(job)
        return self._send_team_message(job)

    def _send_team_message(self, job: Job) -> str | None:
        """A check-in, its reminder or a lead's DM."""
        team = job.team
        assert team is not None, f"{job.kind} needs its team"
        # A system on a schedule of its own is asked on its own: its buttons carry its id.
        key: int | str = team.id if team.system_id is None else f"{team.id}:{team.system_id}"
        systems: list[tuple[int, str]] = list(job.systems)
        if team.system_id is not None:
            systems = []
        elif not systems and job.team_systems is not None:
            systems = list(job.team_systems)  # as the planner loaded them: no second read
        elif not systems:
            systems = self.deps.store.systems(job.workspace_id, team.id)
        if len(systems) == 1 and job.systems:
            key, systems = f"{team.id}:{systems[0][0]}", []
        if job.kind is Kind.CHECKIN:
            payload = build_checkin(
                team_id=key,
                team_name=team.label,
                period_key=job.period_key,
                cadence=team.schedule.cadence if team.schedule else Cadence.WEEKLY,
                language=team.language,
                systems=systems,
            )
            return self._post(job, team.channel_id, payload)
        if job.kind is Kind.REMINDER and job.to_nonrespondents:
            return self._remind_nonrespondents(job, key, systems)
        if job.kind is Kind.REMINDER:
            payload = build_reminder(
                team_id=key,
                team_name=team.label,
                period_key=job.period_key,
                language=team.language,
                systems=systems,
            )
            return self._post(job, team.channel_id, payload)
        payload = build_lead_dm(
            team_name=team.label,
            team_id=key,
            channel_id=team.channel_id,
            period_key=job.period_key,
            language=team.language,
            systems=systems,
        )
        client = self.client(job.slack_team_id)
        opened = client.conversations_open(users=job.channel_id)
        return self._post(job, str(opened["channel"]["id"]), payload)

    def _remind_nonrespondents(
        self, job: Job, key: int | str, systems: list[tuple[int, str]]
    ) -> str | None:
        """The reminder by DM to each member of the team's channel (but the bot) who has not
        answered; the last DM's ts, or None when everyone has."""
        team = job.team
        assert team is not None
        client = self.client(job.slack_team_id)
        asked = [team.system_id] if team.system_id is not None else [sid for sid, _ in systems]
        answered = self.deps.store.respondents(job.workspace_id, team.id, asked, job.period_key)
        bot_user = str(client.auth_test().get("user_id") or "")
        members: list[str] = []
        cursor: str | None = None
        while True:
            page = client.conversations_members(channel=team.channel_id, limit=200, cursor=cursor)
            members += [str(m) for m in page.get("members") or []]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        text = t("responses.reminder_dm", team.language, team=escape(team.label))
        payload = build_reminder(
            team_id=key,
            team_name=team.label,
            period_key=job.period_key,
            language=team.language,
            systems=systems,
        )
        payload = {"text": text, "blocks": [section(text), *payload["blocks"][1:]]}
        ts: str | None = None
        failed: list[str] = []
        for person in dict.fromkeys(members):
            if person in answered or person == bot_user:
                continue
            sent, error = self._remind_one(job, person, payload)
            ts = sent or ts
            if error is not None:
                failed.append(f"{person}: {error}")
        if failed:
            # Retried as a whole later, but each person's DM is claimed on its own: those
            # already reminded are not reminded again.
            raise RuntimeError(f"{len(failed)} reminder DM(s) failed: " + "; ".join(failed))
        return ts

    def _plan_reminder(self, job: Job) -> str | None:
        """The owner's items of the plan, how many days are left, in a DM."""
        assert job.plan_id is not None
        assert job.team is not None
        found = self.deps.store.plan_for_reminder(
            self.deps.rubrics, job.workspace_id, job.plan_id, self.now.date()
        )
        if found is None:
            return None
        plan, rubric = found
        if plan.met == len(plan.items) or plan.system.stage.rank >= plan.target_stage.rank:
            return None  # met, or the system got there: nothing left to remind of
        client = self.client(job.slack_team_id)
        # The DM lists the team's tests: not to an owner who can no longer read the team.
        directory = SlackDirectory(client, workspace=job.slack_team_id, cache=self._people)
        owner = Actor(workspace_id=job.workspace_id, user_id=job.channel_id)
        if not Access(self.deps.settings.admins).allowed(
            Action.READ, owner, directory, plan.system
        ):
            return None
        days = (plan.target_date - self.now.date()).days
        payload = build_owner_dm(plan, rubric, job.channel_id, job.team.language, days_left=days)
        opened = client.conversations_open(users=job.channel_id)
        return self._post(job, str(opened["channel"]["id"]), payload)

    def _remind_one(
        self, job: Job, person: str, payload: dict[str, Any]
    ) -> tuple[str | None, str | None]:
        """One person's reminder DM, claimed as its own delivery (filed under the team's
        target, so erasing the team removes it): (its ts, why it failed if worth a retry)."""
        deps = self.deps
        ref = DeliveryRef(
            job.workspace_id, remind_target(job.target, person), job.kind.value, job.period_key
        )
        if not deps.store.claim(ref, self.current(), deps.lease):
            return None, None  # reminded already (or being reminded by another process)
        try:
            opened = self.client(job.slack_team_id).conversations_open(users=person)
            ts = self._post(job, str(opened["channel"]["id"]), payload)
        except Stopped:
            deps.store.release(ref, self.current())
            raise
        except Unconfirmed as unconfirmed:
            deps.store.mark_sent(
                ref, self.current(), message_ts=None, note=f"unconfirmed: {unconfirmed}"
            )
            return None, None
        except Exception as error:
            reason = describe(error)
            retry = _retryable(error)
            deps.store.mark_failed(
                ref, reason, retry_after=lambda _: deps.lease, now=self.current(), final=not retry
            )
            log.warning(
                "could not send the reminder DM to %s for %s (%s): %s",
                ref.target,
                job.period_key,
                "will retry" if retry else "given up",
                reason,
            )
            return None, reason if retry else None
        deps.store.mark_sent(ref, self.current(), message_ts=ts)
        return ts, None

    def _post(self, job: Job, channel: str, payload: dict[str, Any]) -> str:
        client = self.client(job.slack_team_id)
        try:
            with self.deps.pacer.slot(job.slack_team_id, channel):
                response = client.chat_postMessage(
                    channel=channel, text=payload["text"], blocks=payload["blocks"]
                )
        except Exception as error:
            if is_unconfirmed(error):
                raise Unconfirmed("chat.postMessage", error) from error
            raise
        return str(response["ts"])

    def _digest(self, job: Job) -> digests.ChannelDigest:
        key = (job.workspace_id, job.channel_id, job.period_key)
        with self._lock:
            cached = self._digests.pop(key, None)
        if cached is not None:
            return cached
        query = DigestQuery(job.workspace_id, job.channel_id, self.now, self.deps.policy.default_tz)
        collected = self.deps.store.channel_digest(self.deps.rubrics, query)
        if job.kind is Kind.DIGEST and job.then:
            with self._lock:
                self._digests[key] = collected
        return collected

    def _digest_payload(self, job: Job) -> dict[str, Any]:
        return digests.digest_message(self._digest(job))

    def _upload_charts(self, job: Job) -> str | None:
        charts = digests.digest_charts(self._digest(job), self.deps.charts)
        if not charts:
            return None
        try:
            with self.deps.pacer.slot(job.slack_team_id, job.channel_id, workspace_rate=False):
                upload_charts(self.client(job.slack_team_id), job.channel_id, charts)
        except Exception as error:
            if is_unconfirmed(error) and _raised_in(error, "files_completeUploadExternal"):
                raise Unconfirmed("files.completeUploadExternal", error) from error
            raise
        return None


_NOT_HELD = object()


@dataclass
class _Unrecorded:
    """A post waiting for its record; `done` once tried, with the error if that failed."""

    record: SentRecord
    done: bool = False
    error: BaseException | None = None


def _ref(job: Job) -> DeliveryRef:
    return DeliveryRef(job.workspace_id, job.target, job.kind.value, job.period_key)


def remind_target(target: str, person: str) -> str:
    """One member's reminder DM: "team:12/remind/U123" (or under its system's target)."""
    return f"{target}/remind/{person}"


PERMANENT_ERRORS = frozenset(
    {"user_disabled", "user_not_found", "cannot_dm_bot", "not_allowed_token_type"}
)


def _retryable(error: Exception) -> bool:
    """Slack errors that no retry can cure (a deactivated person) are given up at once."""
    if isinstance(error, SlackApiError) and error.response is not None:
        return error.response.get("error") not in PERMANENT_ERRORS
    return True


def _raised_in(error: BaseException, function: str) -> bool:
    """Whether `error` came out of `function`. files_upload_v2 makes three calls and only the
    last, files.completeUploadExternal, shares the files: a timeout before it posted nothing."""
    return any(
        frame.f_code.co_name == function for frame, _ in traceback.walk_tb(error.__traceback__)
    )


def upload_charts(client: Any, channel_id: str, charts: list[Any]) -> None:
    """One files v2 upload with every chart, alt text from each Chart, shared in the channel."""
    client.files_upload_v2(
        channel=channel_id,
        file_uploads=[
            {
                "content": chart.png,
                "filename": f"mlscore-overview-{index}.png",
                "title": chart.title,
                "alt_txt": chart.alt_text,
            }
            for index, chart in enumerate(charts, start=1)
        ],
    )


def describe(error: Exception) -> str:
    """A short reason for the log and the deliveries row (Slack's error code when it has one)."""
    if isinstance(error, SlackApiError):
        code = error.response.get("error") if error.response is not None else None
        status = getattr(error.response, "status_code", None)
        return f"slack {code or 'error'} (HTTP {status})"
    return f"{type(error).__name__}: {error}"[:500]
