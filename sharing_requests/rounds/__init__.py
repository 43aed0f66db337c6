"""Decision rounds: every participating organisation decides once, and the steering group
votes, on one frozen version of a proposal.

Named apart from the two other things called "review" in the portal: the proposal's
*Review* section and an agreement's periodic review.

- `rule`: the round's rule as a value and the one pure function that applies it.
- `access`: who may act (approvers, delegates, steering-group voters) and why not.
- `rounds`: opening a round, recording decisions and votes, closing, withdrawing.
- `daily`: reminders, escalation and the steering vote's deadline.
- `reads`: what waits for a person.
"""
