"""The legal and ISF vocabulary of a proposal (see shared/REFERENCE.md).

The portal guides; it is not legal advice. Every list also accepts "other" with free text.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Statuses in which the lead organisation may edit the proposal.
EDITABLE_STATUSES = {ProposalStatus.DRAFT, ProposalStatus.CHANGES_REQUESTED}

STATUS_TAG_CLASSES = {
    ProposalStatus.DRAFT: "govuk-tag--grey",
    ProposalStatus.IN_REVIEW: "govuk-tag--blue",
    ProposalStatus.CHANGES_REQUESTED: "govuk-tag--orange",
    ProposalStatus.APPROVED: "govuk-tag--green",
    ProposalStatus.DECLINED: "govuk-tag--red",
    ProposalStatus.WITHDRAWN: "govuk-tag--grey",
}


class Section(models.TextChoices):
    """The seven stages of the Greater Manchester Information Sharing Framework."""

    PURPOSE = "purpose", _("Purpose")
    NEEDS = "needs", _("Needs")
    WHO = "who", _("Who")
    PRACTICAL = "practical", _("Practical steps")
    HOW = "how", _("How")
    REVIEW = "review", _("Review")
    EXIT = "exit", _("Exit planning")


SECTION_SUMMARIES = {
    Section.PURPOSE: _(
        "What you are trying to achieve, your vision statement and how you will measure it"
    ),
    Section.NEEDS: _("Whose data, which data items and why each is needed"),
    Section.WHO: _("The organisations taking part and what each does"),
    Section.PRACTICAL: _("Lawful bases, legal powers, the DPIA screening and the first actions"),
    Section.HOW: _("How the data moves, how often, and how it is kept secure"),
    Section.REVIEW: _("When and how the sharing is reviewed"),
    Section.EXIT: _("When the sharing ends and what happens to the data"),
}


class SectionStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not yet started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class DataCategory(models.TextChoices):
    PERSONAL = "personal", _("Personal data")
    SPECIAL = "special", _("Special category data (UK GDPR Article 9)")
    CRIMINAL = "criminal", _("Criminal offence data (UK GDPR Article 10)")


class Identifiability(models.TextChoices):
    IDENTIFIABLE = "identifiable", _("Identifiable")
    PSEUDONYMISED = "pseudonymised", _("Pseudonymised")
    ANONYMISED = "anonymised", _("Anonymised")


class PartyRole(models.TextChoices):
    PROVIDER = "provider", _("Provider: shares data")
    RECIPIENT = "recipient", _("Recipient: receives data")
    BOTH = "both", _("Both provides and receives data")


class ControllerRole(models.TextChoices):
    CONTROLLER = "controller", _("Controller (decides its own purposes and means)")
    JOINT = "joint", _("Joint controller (decides purposes and means together with others)")


class Direction(models.TextChoices):
    DISCLOSING = "disclosing", _("Disclosing (as a provider)")
    RECEIVING = "receiving", _("Receiving and using (as a recipient)")


class Article6(models.TextChoices):
    CONSENT = "a", _("(a) Consent")
    CONTRACT = "b", _("(b) Contract")
    LEGAL_OBLIGATION = "c", _("(c) Legal obligation")
    VITAL_INTERESTS = "d", _("(d) Vital interests")
    PUBLIC_TASK = "e", _("(e) Public task")
    RECOGNISED_LI = "ea", _("(ea) Recognised legitimate interest")
    LEGITIMATE_INTERESTS = "f", _("(f) Legitimate interests")


ARTICLE6_HINTS = {
    "c": _("Name the law that obliges you in the legal power below."),
    "e": _("Most sharing between public bodies rests on this, with a legal power named below."),
    "ea": _(
        "Since 5 February 2026 (Data (Use and Access) Act 2025). Needs one of the Annex 1 "
        "conditions; there is no balancing test. Fits a disclosure made on request."
    ),
    "f": _("Not available to a public authority for its public tasks."),
}


class Annex1Condition(models.TextChoices):
    PUBLIC_TASK_REQUEST = (
        "public_task_request",
        _("Disclosure to a body that asks for the data for its public task"),
    )
    SECURITY = "security", _("National security, public security or defence")
    EMERGENCIES = "emergencies", _("Emergencies")
    CRIME = "crime", _("Detecting, investigating or preventing crime, or apprehending offenders")
    SAFEGUARDING = "safeguarding", _("Safeguarding vulnerable individuals")


class Article9(models.TextChoices):
    EXPLICIT_CONSENT = "a", _("(a) Explicit consent")
    EMPLOYMENT = "b", _("(b) Employment, social security and social protection law")
    VITAL_INTERESTS = "c", _("(c) Vital interests where the person cannot consent")
    NOT_FOR_PROFIT = "d", _("(d) Not-for-profit bodies")
    MADE_PUBLIC = "e", _("(e) Made manifestly public by the person")
    LEGAL_CLAIMS = "f", _("(f) Legal claims and courts")
    SUBSTANTIAL_PUBLIC_INTEREST = "g", _("(g) Substantial public interest")
    HEALTH_SOCIAL_CARE = "h", _("(h) Health or social care")
    PUBLIC_HEALTH = "i", _("(i) Public health")
    ARCHIVING_RESEARCH = "j", _("(j) Archiving, research and statistics")


# Article 9 conditions that need a DPA 2018 Schedule 1 condition, and from which Part.
ARTICLE9_SCHEDULE1_PART = {"b": 1, "h": 1, "i": 1, "j": 1, "g": 2}


class Schedule1Condition(models.TextChoices):
    P1_EMPLOYMENT = "1", _("Part 1, para 1: Employment, social security and social protection")
    P1_HEALTH = "2", _("Part 1, para 2: Health or social care purposes")
    P1_PUBLIC_HEALTH = "3", _("Part 1, para 3: Public health")
    P1_RESEARCH = "4", _("Part 1, para 4: Research etc.")
    P2_STATUTORY = "6", _("Part 2, para 6: Statutory and government purposes")
    P2_JUSTICE = "7", _("Part 2, para 7: Administration of justice")
    P2_EQUALITY = "8", _("Part 2, para 8: Equality of opportunity or treatment")
    P2_UNLAWFUL_ACTS = "10", _("Part 2, para 10: Preventing or detecting unlawful acts")
    P2_DISHONESTY = "11", _("Part 2, para 11: Protecting the public against dishonesty")
    P2_FRAUD = "14", _("Part 2, para 14: Preventing fraud")
    P2_DISABILITY = (
        "16",
        _(
            "Part 2, para 16: Support for individuals with a particular disability or medical "
            "condition"
        ),
    )
    P2_COUNSELLING = "17", _("Part 2, para 17: Counselling")
    P2_SAFEGUARDING = (
        "18",
        _("Part 2, para 18: Safeguarding of children and of individuals at risk"),
    )
    P2_ECONOMIC = (
        "19",
        _("Part 2, para 19: Safeguarding of economic well-being of certain individuals"),
    )
    P2_ELECTED_REPS = "24", _("Part 2, para 24: Disclosure to elected representatives")
    P3_CONSENT = "29", _("Part 3, para 29: Consent (criminal offence data)")
    P3_VITAL = "30", _("Part 3, para 30: Vital interests (criminal offence data)")
    P3_PUBLIC_DOMAIN = "32", _("Part 3, para 32: Data in the public domain (criminal offence data)")
    P3_LEGAL_CLAIMS = "33", _("Part 3, para 33: Legal claims (criminal offence data)")
    P3_PART2 = (
        "36",
        _(
            "Part 3, para 36: A Part 2 condition without its substantial public interest test "
            "(criminal offence data)"
        ),
    )
    OTHER = "other", _("Another condition (describe it in the notes)")


SCHEDULE1_PART = {
    **{c: 1 for c in ("1", "2", "3", "4")},
    **{c: 2 for c in ("6", "7", "8", "10", "11", "14", "16", "17", "18", "19", "24")},
    **{c: 3 for c in ("29", "30", "32", "33", "36")},
}

# Schedule 1 conditions that need an appropriate policy document (Part 4): a hint, not a field.
NEEDS_POLICY_DOCUMENT = {"1"} | {
    c for c, part in SCHEDULE1_PART.items() if part == 2 and c not in {"16", "17"}
}

LEGAL_POWERS = [
    "Children Act 1989 s.17 (children in need)",
    "Children Act 1989 s.47 (child protection enquiries)",
    "Children Act 1989 (duties to care leavers)",
    "Children Act 2004 s.10 (co-operation to improve well-being)",
    "Children Act 2004 s.11 (safeguarding duties)",
    "Care Act 2014 s.6 (co-operation)",
    "Care Act 2014 s.42 (adult safeguarding enquiries)",
    "Care Act 2014 s.45 (information to Safeguarding Adults Boards)",
    "Crime and Disorder Act 1998 s.17 (duty to consider crime and disorder)",
    "Crime and Disorder Act 1998 s.115 (power to disclose to relevant authorities)",
    "Health and Social Care Act 2012 s.251B (duty to share for direct care)",
    "National Health Service Act 2006 s.251 and the Control of Patient Information "
    "Regulations 2002",
    "Digital Economy Act 2017 Part 5 Chapter 1 (public service delivery)",
    "Localism Act 2011 s.1 (general power of competence)",
    "Housing Act 1996 s.213B (duty to refer)",
    "Fire and Rescue Services Act 2004 s.6 (fire safety promotion)",
    "Offender Management Act 2007 s.14 (disclosure for probation purposes)",
    "Criminal Justice Act 2003 s.325 (MAPPA co-operation)",
    "Police, Crime, Sentencing and Courts Act 2022 Part 2 Chapter 1 (serious violence duty)",
    "Counter-Terrorism and Security Act 2015 s.26 (Prevent duty)",
    "Counter-Terrorism and Security Act 2015 s.36-38 (Channel panels)",
    "Common law policing purposes",
]


class ConfidentialityBasis(models.TextChoices):
    IMPLIED_CONSENT = "implied_consent", _("Implied consent for individual care")
    EXPLICIT_CONSENT = "explicit_consent", _("Explicit consent")
    SECTION_251 = "s251", _("Section 251 support (NHS Act 2006)")
    LEGAL_REQUIREMENT = "legal_requirement", _("A legal requirement")
    PUBLIC_INTEREST = "public_interest", _("An overriding public interest")
    NOT_CONFIDENTIAL = (
        "not_confidential",
        _("Not confidential patient information (for example, anonymised)"),
    )


class OptOut(models.TextChoices):
    APPLIES = "applies", _("Yes, the national data opt-out applies and will be applied")
    DOES_NOT_APPLY = (
        "does_not_apply",
        _("No, it does not apply (for example, individual care or a legal requirement)"),
    )


class Frequency(models.TextChoices):
    ONE_OFF = "one_off", _("Once")
    CASE_BY_CASE = "case_by_case", _("Case by case, as needed")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    CONTINUOUS = "continuous", _("Continuous (system access or automated feed)")


class ReviewFrequency(models.TextChoices):
    SIX_MONTHS = "6", _("Every 6 months")
    TWELVE_MONTHS = "12", _("Every 12 months")
    TWENTY_FOUR_MONTHS = "24", _("Every 24 months")


class EndOfSharing(models.TextChoices):
    DELETE = "delete", _("Securely delete the data")
    RETURN = "return", _("Return the data to its provider")
    RETURN_AND_DELETE = "return_and_delete", _("Return the data, then delete any copies")
    KEEP_UNDER_RETENTION = (
        "retain",
        _("Keep it under each party's retention schedule, then delete it"),
    )


# DPIA screening: the ICO's high-risk indicators and UK GDPR Article 35(3).
# Each is (key, question, hint, decisive): a decisive indicator needs a DPIA on its own; two
# or more of the others usually do (the European guidelines' "two or more" rule).
DPIA_INDICATORS = [
    (
        "automated_decisions",
        _("Automated decisions or profiling with legal or similarly significant effects"),
        _("UK GDPR Article 35(3)(a)."),
        True,
    ),
    (
        "large_scale_sensitive",
        _("Special category or criminal offence data on a large scale"),
        _("UK GDPR Article 35(3)(b)."),
        True,
    ),
    (
        "public_monitoring",
        _("Systematic monitoring of a publicly accessible area on a large scale"),
        _("UK GDPR Article 35(3)(c), for example CCTV or ANPR."),
        True,
    ),
    (
        "matching",
        _("Matching, combining or comparing data sets from different sources"),
        _("On the ICO's list of processing that needs a DPIA."),
        True,
    ),
    (
        "denial_of_service",
        _("The data helps decide whether someone gets a service, opportunity or benefit"),
        _("On the ICO's list of processing that needs a DPIA."),
        True,
    ),
    (
        "physical_harm",
        _("A breach could put someone's physical health or safety at risk"),
        _("On the ICO's list of processing that needs a DPIA."),
        True,
    ),
    (
        "sensitive",
        _("Special category, criminal offence or other highly personal data"),
        _("For example health, ethnicity, offending, or information about safeguarding."),
        False,
    ),
    (
        "large_scale",
        _("Large scale: many people, a wide area or a long time"),
        _("For example a whole borough's population, or years of records."),
        False,
    ),
    (
        "vulnerable",
        _("Children or other vulnerable people"),
        _("For example care leavers, people at risk of homelessness, or patients."),
        False,
    ),
    ("new_technology", _("Innovative technology, or a new use of existing technology"), "", False),
    (
        "invisible",
        _("Invisible processing: people are not told directly"),
        _("For example, data obtained from another organisation without a privacy notice."),
        False,
    ),
    ("tracking", _("Tracking people's location or behaviour"), "", False),
    ("biometric_genetic", _("Biometric or genetic data"), "", False),
]
DPIA_INDICATOR_CHOICES = [(key, label) for key, label, _hint, _decisive in DPIA_INDICATORS]
DPIA_DECISIVE = {key for key, _label, _hint, decisive in DPIA_INDICATORS if decisive}
