"""Guidance on the seven ISF stages, for people who write proposals but do not work in
information governance.

The guidance is public: it holds no data, and newcomers should be able to read it before they
have an account. Each stage's text is a template in `templates/sharing_requests/guidance/`,
versioned with the code that asks the questions it explains.
"""

from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from ..choices import Section
from .common import section_meta

# The ICO's own guidance for each stage, shown under "Read more from the ICO". Readers follow
# these links; nothing in the portal fetches them.
_ICO = "https://ico.org.uk/for-organisations/uk-gdpr-guidance-and-resources/"
_PRINCIPLES = _ICO + "data-protection-principles/a-guide-to-the-data-protection-principles/"
DATA_SHARING_CODE = (
    _("Data sharing: a code of practice"),
    _ICO + "data-sharing/data-sharing-a-code-of-practice/",
)
ICO_GUIDANCE = {
    Section.PURPOSE: [
        DATA_SHARING_CODE,
        (_("The purpose limitation principle"), _PRINCIPLES + "purpose-limitation/"),
        (
            _("Accountability and governance"),
            _ICO + "accountability-and-governance/",
        ),
    ],
    Section.NEEDS: [
        (_("The data minimisation principle"), _PRINCIPLES + "data-minimisation/"),
        (_("Special category data"), _ICO + "lawful-basis/special-category-data/"),
        (_("Criminal offence data"), _ICO + "lawful-basis/criminal-offence-data/"),
        (_("Anonymisation and pseudonymisation"), _ICO + "data-sharing/anonymisation/"),
    ],
    Section.WHO: [
        (
            _("Controllers and processors"),
            _ICO + "controllers-and-processors/controllers-and-processors/",
        ),
        (
            _("Data sharing agreements, in the data sharing code"),
            _ICO + "data-sharing/data-sharing-a-code-of-practice/data-sharing-agreements/",
        ),
    ],
    Section.PRACTICAL: [
        (_("A guide to lawful basis"), _ICO + "lawful-basis/a-guide-to-lawful-basis/"),
        (_("Special category data"), _ICO + "lawful-basis/special-category-data/"),
        (_("Criminal offence data"), _ICO + "lawful-basis/criminal-offence-data/"),
        (
            _("Data protection impact assessments (DPIAs)"),
            _ICO + "accountability-and-governance/data-protection-impact-assessments-dpias/",
        ),
        (
            _("The right to be informed (privacy notices)"),
            _ICO + "individual-rights/individual-rights/right-to-be-informed/",
        ),
        (
            _("Guide to law enforcement processing (DPA 2018 Part 3)"),
            "https://ico.org.uk/for-organisations/law-enforcement/guide-to-le-processing/",
        ),
    ],
    Section.HOW: [
        (_("A guide to data security"), _ICO + "security/a-guide-to-data-security/"),
        (_("The integrity and confidentiality principle"), _PRINCIPLES + "security/"),
        (
            _("Personal data breaches: a guide"),
            _ICO + "personal-data-breaches/personal-data-breaches-a-guide/",
        ),
    ],
    Section.REVIEW: [
        DATA_SHARING_CODE,
        (_("The accuracy principle"), _PRINCIPLES + "accuracy/"),
        (
            _("Accountability and governance"),
            _ICO + "accountability-and-governance/",
        ),
    ],
    Section.EXIT: [
        (_("The storage limitation principle"), _PRINCIPLES + "storage-limitation/"),
        (_("The right to erasure"), _ICO + "individual-rights/individual-rights/right-to-erasure/"),
        DATA_SHARING_CODE,
    ],
}


def stage_links() -> list[dict]:
    """Every stage with its number, name and summary: the guidance's navigation, and the list
    the how-it-works page shows."""
    return [section_meta(section) for section in Section]


def guidance_index(request):
    """What the guidance covers, and a link to each stage."""
    return render(request, "sharing_requests/guidance/index.html", {"stages": stage_links()})


def guidance_stage(request, stage):
    """One stage's guidance: what it is for, a worked example, the law, common mistakes."""
    if stage not in Section.values:
        raise Http404
    stages = stage_links()
    index = Section.values.index(stage)
    return render(
        request,
        f"sharing_requests/guidance/{stage}.html",
        {
            **stages[index],
            "stages": stages,
            "ico_links": ICO_GUIDANCE[Section(stage)],
            "previous_stage": stages[index - 1] if index > 0 else None,
            "next_stage": stages[index + 1] if index + 1 < len(stages) else None,
        },
    )


# Included by the root URLs under /guidance/ (not under /proposals/: it is not about one).
app_name = "guidance"
urlpatterns = [
    path("", guidance_index, name="index"),
    path("<str:stage>/", guidance_stage, name="stage"),
]
