"""The Home tab's insights: each program's headline and chart, refreshed hourly, read per visit.

Computing a big program's metrics takes a second or two (bench/report.py), and the Home tab is
published on every visit and after many clicks. So the numbers are computed by a standing job
once an hour (and on a visit that finds none, or none younger than :data:`MAX_AGE`), kept in
:class:`~models.InsightSnapshot`, and a publish reads one row per program. The Home says when
they were computed; `/mentor report` gives the numbers as of now.

The chart is drawn at each refresh but uploaded only when its bytes changed (the PNG of the
same numbers is the same bytes, bot/charts.py). It is uploaded private to the app, since an
image block's ``slack_file`` must name a file the app posting the view can read, and no
conversation should fill up with hourly copies of a chart. The file it replaces is deleted at
the next replacement, not at once, so Home tabs published meanwhile keep their image until they
are published again. Uploading ahead of the visits also gives Slack the moments it takes to
process a new file before any view names it.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.clock import Clock
from bot.db import Database, insert_unless_present
from bot.insights.charts import chart_alt_text, program_chart
from bot.insights.dataset import ProgramMetrics
from bot.insights.metrics import program_metrics
from bot.insights.report import HomeHeadline, headline_text
from bot.slack.files import delete_file, upload_private
from models import InsightSnapshot, Program

log = logging.getLogger(__name__)

#: How often the standing job refreshes every program's snapshot.
REFRESH_EVERY = timedelta(hours=1)
#: A Home visit refreshes a snapshot older than this itself (the job missed it: no scheduler
#: running, or the program is new).
MAX_AGE = 2 * REFRESH_EVERY
#: Slack processes a new upload before a view may show it; a refusal sooner than this after the
#: upload is taken for that, not for a file that is gone.
SETTLE = timedelta(minutes=10)

UploadPrivate = Callable[..., str]
Delete = Callable[[WebClient, str], None]


class _ChartKind(enum.Enum):
    NONE = "nothing to draw yet"
    UNCHANGED = "the same bytes as the stored chart"
    UPLOADED = "a new chart, uploaded"
    FAILED = "a new chart, whose upload failed"


@dataclass(frozen=True)
class _Chart:
    kind: _ChartKind
    file_id: str | None = None
    digest: str | None = None
    alt_text: str | None = None


class InsightSnapshots:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        client: WebClient,
        *,
        upload: UploadPrivate = upload_private,
        delete: Delete = delete_file,
    ) -> None:
        self._db = db
        self._clock = clock
        self._client = client
        self._upload = upload
        self._delete = delete

    def home_headlines(self, team_id: str, programs: Sequence[Program]) -> list[HomeHeadline]:
        """The headlines of ``programs`` (already limited by the caller), refreshing any that
        are missing or older than MAX_AGE first."""
        stored = self._read(team_id, [p.id for p in programs])
        too_old = self._clock.now() - MAX_AGE
        stale = [p for p in programs if p.id not in stored or stored[p.id].computed_at < too_old]
        for program in stale:
            try:
                self.refresh(program)
            except Exception:
                # The Home still shows (with what is stored); the hourly job tries again.
                log.exception("insights snapshot of program %s failed", program.id)
        if stale:
            stored = self._read(team_id, [p.id for p in programs])
        return [
            HomeHeadline(
                program_id=program.id,
                program_name=program.name,
                text=snapshot.headline,
                computed_at=snapshot.computed_at,
                chart_file_id=snapshot.chart_file_id,
                chart_alt_text=snapshot.chart_alt_text,
            )
            for program in programs
            if (snapshot := stored.get(program.id)) is not None
        ]

    def refresh_all(self) -> tuple[int, int]:
        """Refresh every program of every workspace; one failure doesn't stop the others.

        Returns how many programs were refreshed and how many new charts went up."""
        with self._db.session() as session:
            programs = list(session.scalars(sa.select(Program).order_by(Program.id)))
            session.expunge_all()
        refreshed = uploaded = 0
        for program in programs:
            try:
                uploaded += self.refresh(program)
                refreshed += 1
            except Exception:
                log.exception("insights snapshot of program %s failed", program.id)
        return refreshed, uploaded

    def refresh(self, program: Program) -> bool:
        """Compute the program's headline and chart now and keep them; whether a new chart
        was uploaded."""
        now = self._clock.now()
        with self._db.session() as session:
            metrics = program_metrics(session, program.team_id, program.id, since=None, now=now)
            previous = session.get(InsightSnapshot, program.id)
            kept_digest = previous.chart_digest if previous is not None else None
        chart = self._chart(program, metrics, kept_digest)
        try:
            unused = self._store(program, now, headline_text(metrics), chart)
        except Exception:
            if chart.file_id is not None:
                self._delete_quietly(chart.file_id)
            raise
        for file_id in unused:
            self._delete_quietly(file_id)
        return chart.kind is _ChartKind.UPLOADED

    def _chart(self, program: Program, metrics: ProgramMetrics, kept_digest: str | None) -> _Chart:
        """Draw the chart, and upload it unless the stored one has the same bytes."""
        png = program_chart(metrics, metrics.usefulness_trend, program.timezone)
        if png is None:
            return _Chart(_ChartKind.NONE)
        digest = hashlib.sha256(png).hexdigest()
        if digest == kept_digest:
            return _Chart(_ChartKind.UNCHANGED)
        alt_text = chart_alt_text(metrics)
        try:
            file_id = self._upload(
                self._client, png, filename=f"insights-{program.id}.png", alt_text=alt_text
            )
        except (SlackClientError, OSError) as failure:
            log.warning(
                "insights chart upload failed for program %s: %s", program.id, _reason(failure)
            )
            return _Chart(_ChartKind.FAILED)
        return _Chart(_ChartKind.UPLOADED, file_id, digest, alt_text)

    def forget_refused_chart(self, team_id: str, file_id: str) -> bool:
        """Slack refused to show ``file_id``. A chart uploaded in the last SETTLE may still be
        in processing and is kept; an older one is gone (deleted in Slack) or unreadable, so it
        is dropped and deleted, and the next refresh uploads the chart afresh."""
        settled = self._clock.now() - SETTLE
        with self._db.session() as session:
            forgotten = session.execute(
                sa.update(InsightSnapshot)
                .where(
                    InsightSnapshot.team_id == team_id,
                    InsightSnapshot.chart_file_id == file_id,
                    InsightSnapshot.chart_uploaded_at < settled,
                )
                .values(
                    chart_file_id=None,
                    chart_digest=None,
                    chart_alt_text=None,
                    chart_uploaded_at=None,
                )
                .returning(InsightSnapshot.program_id)
            ).all()
        if forgotten:
            self._delete_quietly(file_id)
        return bool(forgotten)

    # -- storage ------------------------------------------------------------------------------

    def _read(self, team_id: str, program_ids: list[int]) -> dict[int, InsightSnapshot]:
        with self._db.session() as session:
            found = {
                s.program_id: s
                for s in session.scalars(
                    sa.select(InsightSnapshot).where(
                        InsightSnapshot.team_id == team_id,
                        InsightSnapshot.program_id.in_(program_ids),
                    )
                )
            }
            session.expunge_all()
        return found

    def _store(self, program: Program, now: datetime, headline: str, chart: _Chart) -> list[str]:
        """Write the snapshot; returns the file ids nothing points at any more, to delete.

        The row is read under a lock (FOR UPDATE; SQLite serializes writers anyway), so when
        two refreshes race, each deletes only what its own write let go of. A computation
        older than the stored one changes nothing (and its own upload goes).
        """
        uploaded = chart.kind is _ChartKind.UPLOADED
        with self._db.session() as session:
            values: dict[str, object] = {
                "team_id": program.team_id,
                "program_id": program.id,
                "computed_at": now,
                "headline": headline,
            }
            if uploaded:
                values |= {
                    "chart_file_id": chart.file_id,
                    "chart_digest": chart.digest,
                    "chart_alt_text": chart.alt_text,
                    "chart_uploaded_at": now,
                }
            if insert_unless_present(
                session, InsightSnapshot, values, [InsightSnapshot.program_id]
            ):
                return []
            current = session.scalar(
                sa.select(InsightSnapshot)
                .where(InsightSnapshot.program_id == program.id)
                .with_for_update()
            )
            assert current is not None
            if current.computed_at > now:
                return [chart.file_id] if chart.file_id is not None else []
            current.computed_at = now
            current.headline = headline
            if chart.kind is _ChartKind.NONE:
                gone = [f for f in (current.retired_file_id, current.chart_file_id) if f]
                current.chart_file_id = current.retired_file_id = None
                current.chart_digest = current.chart_alt_text = None
                current.chart_uploaded_at = None
                return gone
            if uploaded:
                gone = [current.retired_file_id] if current.retired_file_id else []
                current.retired_file_id = current.chart_file_id
                current.chart_file_id = chart.file_id
                current.chart_digest = chart.digest
                current.chart_alt_text = chart.alt_text
                current.chart_uploaded_at = now
                return gone
            if chart.kind is _ChartKind.FAILED:
                # The older chart stays on show; a cleared digest makes the next refresh retry.
                current.chart_digest = None
            return []

    def _delete_quietly(self, file_id: str) -> None:
        try:
            self._delete(self._client, file_id)
        except (SlackClientError, OSError) as failure:
            log.warning("could not delete insights chart %s: %s", file_id, _reason(failure))


def _reason(failure: Exception) -> str:
    """Slack's error code, or the kind of failure: never a message that could quote data."""
    if isinstance(failure, SlackApiError):
        return str(failure.response.get("error"))
    return type(failure).__name__
