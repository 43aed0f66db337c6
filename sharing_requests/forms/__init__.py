"""The proposal's forms: pages of declared questions (sections), repeated items (items), and
the DPIA screening and upload (screening)."""

from .items import ActionForm, DataItemForm, LawfulBasisForm, OutcomeForm, ParticipantForm
from .screening import DpiaForm, ScreeningForm
from .sections import (
    CommentForm,
    CompletionForm,
    ConfidentialityForm,
    ExitForm,
    HowForm,
    NeedsForm,
    PurposeForm,
    ReviewForm,
    StartForm,
    VisionForm,
    WithdrawForm,
)

__all__ = [
    "ActionForm",
    "CommentForm",
    "CompletionForm",
    "ConfidentialityForm",
    "DataItemForm",
    "DpiaForm",
    "ExitForm",
    "HowForm",
    "LawfulBasisForm",
    "NeedsForm",
    "OutcomeForm",
    "ParticipantForm",
    "PurposeForm",
    "ReviewForm",
    "ScreeningForm",
    "StartForm",
    "VisionForm",
    "WithdrawForm",
]
