"""Job functions: module-level so the persistent job store can name them, idempotent so a
re-run after a crash or a misfire does no harm, and given only ids so they read fresh state.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.errors import UserFacingError
from bot.pairing.periods import period_at
from bot.pairing.rounds import cadence_of
from bot.services import Services

log = logging.getLogger(__name__)

_services: Services | None = None


def bind(services: Services) -> None:
    """Give job functions the process's services; called by the scheduler before it starts."""
    global _services
    _services = services


def services() -> Services:
    if _services is None:
        raise RuntimeError("scheduled jobs ran before the scheduler was bound to services")
    return _services


def prune_processed_events() -> None:
    """Forget event ids past Slack's retry window, and messages sent a month ago."""
    removed = services().events.prune()
    finished = services().outbox.prune()
    log.info("pruned %d processed event ids and %d finished messages", removed, finished)


#: A round still starts this long after its slot, if the process was down when it came.
CATCH_UP = timedelta(days=1)


def run_scheduled_round(team_id: str, program_id: int) -> None:
    """Start the current period's round if its slot passed within the catch-up window.

    The cron job fires weekly; the period, not the day it happens to run, decides, so a
    late firing after midnight, or the catch-up pass after an outage, starts the right round,
    and off-weeks of a fortnightly program find their round already there.
    """
    s = services()
    try:
        program = s.programs.get(team_id, program_id)
    except UserFacingError:
        return  # the program was deleted since the job was scheduled
    now = s.clock.now()
    period = period_at(cadence_of(program), now)
    if now - period.starts_at > CATCH_UP:
        return
    result = s.rounds.run(team_id, program_id, period=period)
    log.info("scheduled round for program %d: created=%s", program_id, result.created)


def catch_up_rounds() -> None:
    """Start any round whose slot passed while no process was running its job."""
    s = services()
    for team_id in s.programs.team_ids():
        for program in s.programs.programs(team_id):
            try:
                run_scheduled_round(team_id, program.id)
            except Exception as error:  # one program's trouble must not stop the others
                log.error("catch-up for program %d failed: %s", program.id, type(error).__name__)


def send_round_notice(team_id: str, program_id: int) -> None:
    """The day before a coffee round: offer everyone a way to skip it."""
    sent = services().rounds.notice(program_id)
    log.info("round notice for program %d to %d people", program_id, sent)


def follow_up_rounds() -> None:
    """Ask silent groups whether they met, a few days before their round ends."""
    rounds = services().rounds
    for round_id in rounds.rounds_due_for_follow_up():
        asked = rounds.follow_up(round_id)
        log.info("followed up %d groups of round %d", asked, round_id)


def end_finished_terms() -> None:
    ended = services().rounds.end_finished_terms()
    if ended:
        log.info("ended %d mentorships whose term was over", ended)


def sync_program_jobs() -> None:
    """Keep one round job (and one notice job) per program, matching its current settings."""
    from bot.scheduling.scheduler import current_scheduler, sync_programs

    scheduler = current_scheduler()
    if scheduler is not None:
        sync_programs(scheduler, services())


def send_due_check_ins() -> None:
    """Check-ins, their reminders and the owners' weekly digests whose time has come.

    One quarter-hourly job for all three: each person's working morning starts on some
    quarter hour somewhere, and each pass reads only what is due.
    """
    checkins = services().checkins
    tally = checkins.run_due()
    if tally.planned or tally.sent or tally.retimed or tally.reminded:
        log.info(
            "check-ins: %d planned, %d sent, %d moved to a working morning, %d reminders",
            tally.planned,
            tally.sent,
            tally.retimed,
            tally.reminded,
        )
    digests = checkins.send_digests()
    if digests:
        log.info("queued %d weekly check-in digests", digests)


def ask_mid_point_reviews() -> None:
    """Ask both sides of every pair that passed half its term for a short review, once."""
    services().mentoring.reviews.ask_due()


def ask_close_outs() -> None:
    """Ask both sides of every pair that ended (term over or `/mentor end`) to close out, once.

    Then blank the words of feedback and thank-you notes the outbox has delivered.
    """
    services().mentoring.closeouts.ask_due()
    scrubbed = services().mentoring.scrub_delivered_words()
    if scrubbed:
        log.info("blanked %d delivered feedback and thank-you messages", scrubbed)


def run_pulses() -> None:
    """Pulse waves: close those whose time is up, open those due, invite and remind.

    Quarter-hourly, like check-ins: each person's working morning starts on some quarter hour
    somewhere. Counts only in the log; never who answered or what.
    """
    tally = services().pulses.run_due()
    if tally.anything:
        log.info(
            "pulses: %d waves closed, %d opened for %d people, %d invitations sent, "
            "%d moved to a working morning, %d dropped, %d reminders",
            tally.closed,
            tally.opened,
            tally.invited,
            tally.sent,
            tally.retimed,
            tally.dropped,
            tally.reminded,
        )


def refresh_insight_snapshots() -> None:
    """Every program's Home headline and chart, computed once an hour rather than per visit."""
    refreshed, uploaded = services().insight_snapshots.refresh_all()
    if uploaded:
        log.info("insights: %d programs refreshed, %d new charts", refreshed, uploaded)
