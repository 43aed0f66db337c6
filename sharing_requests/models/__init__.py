"""The proposals app's models: the proposal and its parts, and its decision rounds."""

from .proposals import *  # noqa: F403
from .proposals import (  # noqa: F401
    Action,
    DataItem,
    Endorsement,
    LawfulBasis,
    MeasurableOutcome,
    Participant,
    Proposal,
    ProposalGroupObjectPermission,
    ProposalVersion,
    ReferenceCounter,
    SectionState,
    VisionComment,
    VisionStatement,
)
from .rounds import *  # noqa: F403
from .timeline import ProposalEvent  # noqa: F401
