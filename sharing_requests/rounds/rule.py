"""The rule of a decision round, as a value, and the one function that applies it.

`outcome` takes plain values (decision statuses, votes, a count of voters) and touches no
database: the round's evaluation after each act, the daily close at the deadline and the
tests all go through it, and `rule_description` says the same rule in plain English.
"""

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import NamedTuple

from django.conf import settings
from django.utils.translation import gettext as _

from ..models import DecisionStatus, RoundOutcome, VoteChoice


@dataclass(frozen=True)
class RoundRule:
    """How a round decides. The defaults are the portal's rule before any of it could be
    set, so a round stored before a field existed keeps deciding as it did."""

    # A decline by any organisation ends the round at once; otherwise it counts once every
    # organisation has decided.
    decline_ends_round: bool = True
    # Without a steering vote the organisations decide alone.
    steering_vote_required: bool = True
    # Votes needed to close the steering vote at the deadline when not everyone has voted.
    steering_quorum: int = 3
    # The chair's vote settles a tie; without it a tie does not carry.
    chair_casting_vote: bool = True
    # From the round's opening to the steering vote's deadline.
    deadline_working_days: int = 15

    @classmethod
    def from_settings(cls) -> "RoundRule":
        """The rule for a round opening now (settings.REVIEW_RULE)."""
        return cls.from_stored(settings.REVIEW_RULE)

    @classmethod
    def from_stored(cls, stored: Mapping) -> "RoundRule":
        """The rule recorded on a round when it opened; missing fields take their defaults."""
        names = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in stored.items() if key in names})

    def as_stored(self) -> dict:
        """What a round records, so that it keeps its rule whatever the settings become."""
        return asdict(self)


class Vote(NamedTuple):
    choice: str  # a VoteChoice
    is_chair: bool = False


@dataclass(frozen=True)
class Outcome:
    """Where a round stands: the steering vote's result ('' while open or not needed) and the
    round's outcome ('' while it stays open)."""

    steering: str = ""
    round: str = ""


def outcome(
    rule: RoundRule,
    *,
    decisions: Iterable[str],
    votes: Iterable[Vote] = (),
    voters: int = 0,
    steering: str = "",
    at_deadline: bool = False,
) -> Outcome:
    """Apply `rule` to a round.

    `decisions`: each organisation's DecisionStatus. `steering`: the steering result already
    recorded, if any (it stands once closed). `votes` and `voters` (how many may vote) are
    read only while the steering vote is required and still open; with no voters at all the
    organisations decide alone. `at_deadline`: the daily close at the deadline, when a
    quorum of votes is enough.
    """
    if rule.steering_vote_required and not steering:
        steering = _steering_result(rule, list(votes), voters=voters, at_deadline=at_deadline)
    return Outcome(steering=steering, round=_round_result(rule, set(decisions), steering))


def _steering_result(rule: RoundRule, votes: list[Vote], *, voters: int, at_deadline) -> str:
    if not voters:
        return VoteChoice.APPROVE
    everyone = len(votes) >= voters
    if not everyone and not (at_deadline and len(votes) >= rule.steering_quorum):
        return ""
    approve = sum(v.choice == VoteChoice.APPROVE for v in votes)
    reject = len(votes) - approve
    if approve != reject:
        return VoteChoice.APPROVE if approve > reject else VoteChoice.REJECT
    chair = next((v for v in votes if v.is_chair), None)
    if chair is not None and rule.chair_casting_vote:
        return chair.choice
    return VoteChoice.REJECT  # a tie that nobody breaks does not carry


def _round_result(rule: RoundRule, statuses: set[str], steering: str) -> str:
    if DecisionStatus.DECLINED in statuses and rule.decline_ends_round:
        return RoundOutcome.DECLINED
    if DecisionStatus.PENDING in statuses:
        return ""
    if DecisionStatus.DECLINED in statuses:
        return RoundOutcome.DECLINED
    if DecisionStatus.CHANGES_REQUESTED in statuses:
        return RoundOutcome.CHANGES_REQUESTED
    if not rule.steering_vote_required or steering == VoteChoice.APPROVE:
        return RoundOutcome.APPROVED
    if steering == VoteChoice.REJECT:
        return RoundOutcome.DECLINED
    return ""


def rule_description(rule: RoundRule) -> list[str]:
    """The round's rule in plain English, shown on the proposal."""
    lines = []
    if rule.decline_ends_round:
        lines.append(_("A decline by any organisation ends the review at once."))
    else:
        lines.append(_("A decline counts once every organisation has decided."))
    lines.append(
        _(
            "Otherwise the review waits for every organisation. If any requests changes, all "
            "the reasons go back to the authors together."
        )
    )
    if not rule.steering_vote_required:
        lines.append(_("The proposal is approved when every organisation approves."))
        return lines
    if rule.chair_casting_vote:
        vote = _(
            "The steering group's vote closes when every member has voted, or at the deadline "
            "once at least %(n)s have. A majority of votes cast carries it; the chair breaks a "
            "tie."
        )
    else:
        vote = _(
            "The steering group's vote closes when every member has voted, or at the deadline "
            "once at least %(n)s have. A majority of votes cast carries it; a tie does not "
            "carry."
        )
    lines += [
        vote % {"n": rule.steering_quorum},
        _("The proposal is approved when every organisation and the steering group approve."),
    ]
    return lines
