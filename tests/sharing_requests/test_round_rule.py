"""The decision round's rule as a value, and the pure function that applies it: plain values
in, an Outcome out, no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharing_requests.models import DecisionStatus, RoundOutcome, VoteChoice
from sharing_requests.rounds.rule import Outcome, RoundRule, Vote, outcome, rule_description

P, A, C, D = (
    DecisionStatus.PENDING,
    DecisionStatus.APPROVED,
    DecisionStatus.CHANGES_REQUESTED,
    DecisionStatus.DECLINED,
)
YES, NO = VoteChoice.APPROVE, VoteChoice.REJECT
CHAIR_YES, CHAIR_NO = Vote(YES, is_chair=True), Vote(NO, is_chair=True)

TODAY = RoundRule()
DECLINE_WAITS = RoundRule(decline_ends_round=False)
NO_VOTE = RoundRule(steering_vote_required=False)
NO_CASTING = RoundRule(chair_casting_vote=False)


@pytest.mark.parametrize(
    "rule, decisions, votes, voters, steering, at_deadline, expected",
    [
        # Organisations still deciding, steering group still voting.
        (TODAY, [P, P], [], 3, "", False, Outcome()),
        (TODAY, [A, P], [Vote(YES)] * 3, 3, "", False, Outcome(steering=YES)),
        # Every organisation approves: the round waits for the steering group.
        (TODAY, [A, A], [], 3, "", False, Outcome()),
        (TODAY, [A, A], [Vote(YES)] * 2, 3, "", False, Outcome()),
        (TODAY, [A, A], [Vote(YES)] * 3, 3, "", False, Outcome(YES, RoundOutcome.APPROVED)),
        (TODAY, [A, A], [Vote(YES)] * 2 + [Vote(NO)], 3, "", False, Outcome(YES, "approved")),
        (TODAY, [A, A], [Vote(YES)] + [Vote(NO)] * 2, 3, "", False, Outcome(NO, "declined")),
        # A result already recorded stands (no votes or voters needed again).
        (TODAY, [A, A], [], 0, YES, False, Outcome(YES, RoundOutcome.APPROVED)),
        (TODAY, [A, A], [], 0, NO, False, Outcome(NO, RoundOutcome.DECLINED)),
        (TODAY, [A, P], [], 0, NO, False, Outcome(NO, "")),
        # No steering group at all: the organisations decide alone.
        (TODAY, [A, A], [], 0, "", False, Outcome(YES, RoundOutcome.APPROVED)),
        # Declines and requested changes.
        (TODAY, [D, P], [], 3, "", False, Outcome(round=RoundOutcome.DECLINED)),
        (DECLINE_WAITS, [D, P], [], 3, "", False, Outcome()),
        (DECLINE_WAITS, [D, A], [], 3, "", False, Outcome(round=RoundOutcome.DECLINED)),
        (DECLINE_WAITS, [D, C], [], 3, "", False, Outcome(round=RoundOutcome.DECLINED)),
        (TODAY, [C, P], [], 3, "", False, Outcome()),
        (TODAY, [C, A], [], 3, "", False, Outcome(round=RoundOutcome.CHANGES_REQUESTED)),
        (TODAY, [C, A], [Vote(YES)] * 3, 3, "", False, Outcome(YES, "changes_requested")),
        # A tie: the chair's vote settles it, unless the rule gives the chair no casting vote;
        # a tie nobody breaks does not carry.
        (TODAY, [A], [CHAIR_YES, Vote(NO)], 2, "", False, Outcome(YES, "approved")),
        (TODAY, [A], [CHAIR_NO, Vote(YES)], 2, "", False, Outcome(NO, "declined")),
        (TODAY, [A], [Vote(YES), Vote(NO)], 2, "", False, Outcome(NO, "declined")),
        (NO_CASTING, [A], [CHAIR_YES, Vote(NO)], 2, "", False, Outcome(NO, "declined")),
        # At the deadline a quorum of votes is enough; before it, everyone must vote.
        (TODAY, [A], [Vote(YES)] * 4, 5, "", False, Outcome()),
        (TODAY, [A], [Vote(YES)] * 3, 5, "", True, Outcome(YES, "approved")),
        (TODAY, [A], [Vote(YES)] * 2, 5, "", True, Outcome()),
        (RoundRule(steering_quorum=1), [A], [Vote(NO)], 5, "", True, Outcome(NO, "declined")),
        # No steering vote: the organisations decide alone, and votes count for nothing.
        (NO_VOTE, [A, A], [], 3, "", False, Outcome(round=RoundOutcome.APPROVED)),
        (NO_VOTE, [A, A], [Vote(NO)] * 3, 3, "", True, Outcome(round=RoundOutcome.APPROVED)),
        (NO_VOTE, [A, P], [], 3, "", True, Outcome()),
        (NO_VOTE, [C, A], [], 3, "", False, Outcome(round=RoundOutcome.CHANGES_REQUESTED)),
        (NO_VOTE, [D, P], [], 3, "", False, Outcome(round=RoundOutcome.DECLINED)),
    ],
)
def test_outcome(rule, decisions, votes, voters, steering, at_deadline, expected):
    got = outcome(
        rule,
        decisions=decisions,
        votes=votes,
        voters=voters,
        steering=steering,
        at_deadline=at_deadline,
    )
    assert got == expected


rules = st.builds(
    RoundRule,
    decline_ends_round=st.booleans(),
    steering_vote_required=st.booleans(),
    steering_quorum=st.integers(min_value=1, max_value=6),
    chair_casting_vote=st.booleans(),
)
decision_lists = st.lists(st.sampled_from([P, A, C, D]), min_size=1, max_size=6)


@st.composite
def vote_lists(draw):
    """Votes cast, at most one of them the chair's (the group has one chair)."""
    choices = draw(st.lists(st.sampled_from([YES, NO]), max_size=8))
    chair = draw(st.one_of(st.none(), st.integers(0, max(len(choices) - 1, 0))))
    return [Vote(choice, is_chair=i == chair) for i, choice in enumerate(choices)]


@given(rules, decision_lists, vote_lists(), st.integers(0, 8), st.booleans(), st.randoms())
def test_outcome_properties(rule, decisions, votes, voters, at_deadline, rnd):
    votes = votes[:voters]  # nobody votes who may not
    got = outcome(rule, decisions=decisions, votes=votes, voters=voters, at_deadline=at_deadline)

    # The order decisions and votes arrive in does not matter.
    shuffled_decisions, shuffled_votes = list(decisions), list(votes)
    rnd.shuffle(shuffled_decisions)
    rnd.shuffle(shuffled_votes)
    assert got == outcome(
        rule,
        decisions=shuffled_decisions,
        votes=shuffled_votes,
        voters=voters,
        at_deadline=at_deadline,
    )
    # Approved only when every organisation approved and the vote, if required, carried.
    assert (got.round == RoundOutcome.APPROVED) == (
        set(decisions) == {A} and (not rule.steering_vote_required or got.steering == YES)
    )
    # Without a steering vote nothing is voted and votes change nothing.
    if not rule.steering_vote_required:
        assert got.steering == ""
        assert got == outcome(rule, decisions=decisions, at_deadline=at_deadline)
    # Once every organisation has decided and one declined, the round is declined.
    if P not in decisions and D in decisions:
        assert got.round == RoundOutcome.DECLINED
    # A round never closes while an organisation is still to decide, bar an ending decline.
    if P in decisions and not (D in decisions and rule.decline_ends_round):
        assert got.round == ""
    # A recorded steering result stands whatever comes after.
    if got.steering:
        assert (
            outcome(rule, decisions=decisions, steering=got.steering, voters=voters).steering
            == got.steering
        )


def test_the_rule_defaults_to_todays_behaviour():
    assert RoundRule() == RoundRule(
        decline_ends_round=True,
        steering_vote_required=True,
        steering_quorum=3,
        chair_casting_vote=True,
        deadline_working_days=15,
    )


def test_a_stored_rule_missing_fields_takes_the_defaults_and_ignores_unknown_keys():
    # Rounds opened before the steering vote could be switched off recorded no such key.
    stored = {"decline_ends_round": False, "steering_quorum": 2, "deadline_working_days": 10}
    rule = RoundRule.from_stored({**stored, "retired_setting": 1})
    assert rule == RoundRule(decline_ends_round=False, steering_quorum=2, deadline_working_days=10)
    assert rule.steering_vote_required and rule.chair_casting_vote
    assert RoundRule.from_stored(rule.as_stored()) == rule


def test_the_rule_is_built_from_settings(settings):
    settings.REVIEW_RULE = {
        **settings.REVIEW_RULE,
        "steering_vote_required": False,
        "steering_quorum": 5,
    }
    rule = RoundRule.from_settings()
    assert not rule.steering_vote_required and rule.steering_quorum == 5
    with pytest.raises(AttributeError):
        rule.steering_quorum = 1  # a value: frozen


def test_the_description_of_todays_rule():
    assert rule_description(RoundRule(steering_quorum=4)) == [
        "A decline by any organisation ends the review at once.",
        "Otherwise the review waits for every organisation. If any requests changes, all the "
        "reasons go back to the authors together.",
        "The steering group's vote closes when every member has voted, or at the deadline once "
        "at least 4 have. A majority of votes cast carries it; the chair breaks a tie.",
        "The proposal is approved when every organisation and the steering group approve.",
    ]


def test_the_description_follows_each_setting_of_the_rule():
    waits = rule_description(DECLINE_WAITS)
    assert waits[0] == "A decline counts once every organisation has decided."

    no_casting = " ".join(rule_description(NO_CASTING))
    assert "a tie does not carry" in no_casting and "chair" not in no_casting

    no_vote = rule_description(NO_VOTE)
    assert not any("steering" in line for line in no_vote)
    assert no_vote[-1] == "The proposal is approved when every organisation approves."


@pytest.mark.parametrize("rule", [TODAY, DECLINE_WAITS, NO_VOTE, NO_CASTING])
def test_the_description_says_what_outcome_does(rule):
    """The sentences a reader relies on match what the function decides."""
    text = " ".join(rule_description(rule))
    declined_early = outcome(rule, decisions=[D, P], voters=3).round == RoundOutcome.DECLINED
    assert declined_early == ("ends the review at once" in text)
    approved_without_votes = outcome(rule, decisions=[A, A], voters=3).round == "approved"
    assert approved_without_votes == ("steering group" not in text)
    tie_to_chair = outcome(rule, decisions=[A], votes=[CHAIR_YES, Vote(NO)], voters=2).steering
    if rule.steering_vote_required:
        assert (tie_to_chair == YES) == ("the chair breaks a tie" in text)
