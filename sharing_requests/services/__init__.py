"""Writes for proposals. Each is one guarded function: lock the proposal, check its state
and the user's right, change, audit, then side effects after commit.

Callers use this package as `services.<name>`; the modules hold:

- `proposals`: the reference, starting, submitting and withdrawing a proposal.
- `sections`: saving a section's answers, revision conflicts, completing a section.
- `lists`: rows of the repeating lists and each party's lawful basis.
- `parties`: inviting and removing the organisations taking part.
- `comments`: comments on and endorsements of the vision statement.
- `copying`: starting a new draft from an existing proposal.
"""

from .comments import comment_add, endorse
from .copying import proposal_copy
from .lists import action_mark, item_remove, item_save, lawful_basis_save
from .parties import participant_remove, participant_save
from .proposals import next_reference, proposal_create, proposal_submit, proposal_withdraw
from .sections import (
    ConflictError,
    SubmitBlocked,
    dpia_attach,
    proposal_update,
    section_mark,
    section_revision,
    vision_update,
)

__all__ = [
    "ConflictError",
    "action_mark",
    "SubmitBlocked",
    "comment_add",
    "dpia_attach",
    "endorse",
    "item_remove",
    "item_save",
    "lawful_basis_save",
    "next_reference",
    "participant_remove",
    "participant_save",
    "proposal_copy",
    "proposal_create",
    "proposal_submit",
    "proposal_update",
    "proposal_withdraw",
    "section_mark",
    "section_revision",
    "vision_update",
]
