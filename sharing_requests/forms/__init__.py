"""The proposal's forms: pages of declared questions (sections), repeated items (items), and
the DPIA screening and upload (screening)."""

from .items import ActionForm, DataItemForm, LawfulBasisForm, OutcomeForm, ParticipantForm
from .screening import DpiaForm, ScreeningForm
from .sections import (
    CommentForm,
    CompletionForm,
    StartForm,
    VisionForm,
    WithdrawForm,
    page_form,
)

__all__ = [
    "ActionForm",
    "CommentForm",
    "CompletionForm",
    "DataItemForm",
    "DpiaForm",
    "LawfulBasisForm",
    "OutcomeForm",
    "ParticipantForm",
    "ScreeningForm",
    "StartForm",
    "VisionForm",
    "WithdrawForm",
    "page_form",
]
