"""The proposals app's models: the proposal and its parts, and its review rounds."""

from .proposals import *  # noqa: F403
from .proposals import (  # noqa: F401
    Action,
    DataItem,
    Endorsement,
    LawfulBasis,
    MeasurableOutcome,
    Participant,
    Proposal,
    ProposalEvent,
    ProposalGroupObjectPermission,
    ProposalVersion,
    ReferenceCounter,
    SectionState,
    VisionComment,
    VisionStatement,
)
from .review import *  # noqa: F403
