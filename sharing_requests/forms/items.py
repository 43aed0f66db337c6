"""Forms of a proposal's repeated items: outcomes, data items, parties, lawful bases and
actions. Hints speak plain English: most authors are not information governance
specialists."""

from django import forms
from django.utils.translation import gettext_lazy as _

from isf_portal.forms import GovukDateField, GovukModelForm
from organisations.models import Organisation

from ..choices import (
    ARTICLE6_HINTS,
    LEGAL_POWERS,
    Article6,
    Article9,
    Schedule1Condition,
)
from ..completeness import basis_problems
from ..models import Action, DataItem, LawfulBasis, MeasurableOutcome, Participant
from .base import RevisionMixin


class OutcomeForm(RevisionMixin, GovukModelForm):
    messages = {
        "description": (_("Enter the outcome"), _("The outcome")),
        "measure": (_("Say how you will measure it"), _("How it is measured")),
    }

    class Meta:
        model = MeasurableOutcome
        fields = ["description", "measure", "baseline", "target"]
        labels = {
            "description": _("Outcome"),
            "measure": _("How will you measure it?"),
            "baseline": _("Baseline"),
            "target": _("Target"),
        }
        help_texts = {
            "description": _("For example, 'fewer accidental dwelling fires among care users'."),
            "measure": _("The figure you will track, and its source."),
            "baseline": _("Where it stands now, for example '120 falls a year (2025)'."),
            "target": _("For example, '20% fewer within 2 years'."),
        }


class DataItemForm(RevisionMixin, GovukModelForm):
    messages = {
        "name": (_("Enter the data item"), _("The data item")),
        "category": (_("Select what kind of data it is"), None),
        "identifiability": (_("Select how identifiable it is"), None),
        "necessity": (_("Say why the data item is necessary"), _("Why it is necessary")),
    }

    class Meta:
        model = DataItem
        fields = ["name", "category", "is_health_or_care", "identifiability", "necessity"]
        labels = {
            "name": _("Data item"),
            "category": _("What kind of data is it?"),
            "is_health_or_care": _("This is health or adult social care information"),
            "identifiability": _("How identifiable is it?"),
            "necessity": _("Why is it necessary?"),
        }
        help_texts = {
            "name": _("One item, for example 'date of birth' or 'uses home oxygen'."),
            "category": _(
                "Special category: racial or ethnic origin, political opinions, religious or "
                "philosophical beliefs, trade union membership, genetic or biometric data, "
                "health, sex life or sexual orientation. Criminal offence data: offences, "
                "allegations, convictions and related security measures."
            ),
            "is_health_or_care": _(
                "Tick if it comes from health or care records: the common-law duty of "
                "confidentiality and the national data opt-out then need answers."
            ),
            "identifiability": _(
                "Pseudonymised data is still personal data. Anonymised data cannot be linked "
                "back to a person by anyone."
            ),
            "necessity": _(
                "Why the sharing cannot work without it. Share only what is needed "
                "(data minimisation)."
            ),
        }
        widgets = {"category": forms.RadioSelect, "identifiability": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A model choice field offers a blank "---------" choice, which radios would show
        # pre-selected on a new item: the author must choose, so radios offer none.
        for name in ("category", "identifiability"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]


class ParticipantForm(RevisionMixin, GovukModelForm):
    messages = {
        "organisation": (_("Select the organisation to invite"), None),
        "role": (_("Select what the organisation does in the sharing"), None),
        "controller_role": (_("Select whether it is a controller or a joint controller"), None),
        "contact_name": (_("Enter the contact's name"), None),
        "contact_email": (_("Enter the contact's e-mail address"), None),
    }

    class Meta:
        model = Participant
        fields = ["organisation", "role", "controller_role", "contact_name", "contact_email"]
        labels = {
            "organisation": _("Organisation"),
            "role": _("What does it do in the sharing?"),
            "controller_role": _("Is it a controller or a joint controller?"),
            "contact_name": _("Contact's name"),
            "contact_email": _("Contact's e-mail address"),
        }
        help_texts = {
            "organisation": _(
                "Organisations not listed are not on the portal yet: ask the portal team. A "
                "processor working for a party is not a party: it works under an Article 28 "
                "contract instead."
            ),
            "controller_role": _(
                "Joint controllers decide the purposes and means together and need an "
                "Article 26 arrangement whose essence people can see."
            ),
            "contact_name": _("The person who answers questions about this proposal for it."),
            "contact_email": _("We e-mail them to say they have been invited."),
        }
        widgets = {"role": forms.RadioSelect, "controller_role": forms.RadioSelect}

    def __init__(self, *args, proposal, **kwargs):
        super().__init__(*args, **kwargs)
        taking_part = proposal.participants.values_list("organisation_id", flat=True)
        if self.instance.pk:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = Organisation.objects.filter(
                is_active=True
            ).exclude(pk__in=taking_part)
            self.fields["organisation"].empty_label = _("Choose an organisation")
        for name in ("role", "controller_role"):
            self.fields[name].required = True
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]


class LawfulBasisForm(RevisionMixin, GovukModelForm):
    messages = {
        "article6": (_("Select the lawful basis"), None),
        "legal_power": (None, _("The legal power")),
        "notes": (None, _("The notes")),
    }

    class Meta:
        model = LawfulBasis
        fields = [
            "article6",
            "annex1_condition",
            "legal_power",
            "article9",
            "schedule1",
            "criminal_schedule1",
            "law_enforcement",
            "notes",
        ]
        labels = {
            "article6": _("Lawful basis (UK GDPR Article 6)"),
            "annex1_condition": _("Which Annex 1 condition applies?"),
            "legal_power": _("Legal power or statutory gateway"),
            "article9": _("Condition for special category data (Article 9)"),
            "schedule1": _("DPA 2018 Schedule 1 condition for Article 9"),
            "criminal_schedule1": _("Condition for criminal offence data (DPA 2018 Schedule 1)"),
            "law_enforcement": _(
                "This organisation shares for law enforcement purposes under DPA 2018 Part 3"
            ),
            "notes": _("Notes"),
        }
        help_texts = {
            "annex1_condition": _("Only for (ea) recognised legitimate interest."),
            "legal_power": _(
                "The law that lets or requires this organisation to share. Start typing to see "
                "common ones, or write another."
            ),
            "article9": _(
                "(b), (h), (i) and (j) also need a Schedule 1 Part 1 condition; (g) "
                "needs a Part 2 condition."
            ),
            "schedule1": _(
                "Relying on para 1 or most Part 2 conditions needs an appropriate policy "
                "document (Schedule 1 Part 4)."
            ),
            "criminal_schedule1": _(
                "Part 1, 2 or 3. A Part 2 condition reaches criminal offence data through para 36."
            ),
            "law_enforcement": _(
                "Police sharing for law enforcement falls under Part 3 ('sensitive "
                "processing', s.35), not UK GDPR."
            ),
            "notes": _("Anything a reviewer should know about this basis."),
        }
        widgets = {
            "article6": forms.RadioSelect,
            "legal_power": forms.TextInput(attrs={"list": "legal-powers"}),
        }

    legal_powers = LEGAL_POWERS

    def __init__(self, *args, flags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["article6"].choices = list(Article6.choices)
        self.fields["article6"].choice_hints = {k: str(v) for k, v in ARTICLE6_HINTS.items()}
        self.fields["article9"].choices = [("", _("Choose a condition"))] + list(Article9.choices)
        part12 = [
            c for c in Schedule1Condition.choices if c[0] not in ("29", "30", "32", "33", "36")
        ]
        self.fields["schedule1"].choices = [("", _("Choose a condition"))] + part12
        self.fields["criminal_schedule1"].choices = [("", _("Choose a condition"))] + list(
            Schedule1Condition.choices
        )
        self.fields["annex1_condition"].choices = [("", _("Not applicable"))] + list(
            self.fields["annex1_condition"].choices
        )[1:]
        # Needed for public task and legal obligation: checked in clean(), not marked optional.
        self.fields["legal_power"].hide_optional = True
        if not flags["special"]:
            del self.fields["article9"], self.fields["schedule1"]
        if not flags["criminal"]:
            del self.fields["criminal_schedule1"], self.fields["law_enforcement"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        probe = LawfulBasis(**{k: v for k, v in data.items() if k in self.Meta.fields})
        flags = {
            "special": "article9" in self.fields,
            "criminal": "criminal_schedule1" in self.fields,
            "health": False,
        }
        field_for = {
            "Annex 1": "annex1_condition",
            "legal power": "legal_power",
            "Article 9 condition": "article9",
            "Schedule 1 Part": "schedule1",
            "criminal offence": "criminal_schedule1",
        }
        for message in basis_problems(probe, flags):
            field = next((f for key, f in field_for.items() if key in message), None)
            self.add_error(field, message[:1].upper() + message[1:])
        return data


class ActionForm(RevisionMixin, GovukModelForm):
    messages = {
        "description": (_("Enter the action"), _("The action")),
        "owner_name": (_("Enter who owns the action"), _("The owner")),
        "owner_organisation": (_("Select the owner's organisation"), None),
    }
    due_date = GovukDateField(
        label=_("Due by"), required=False, help_text=_("For example, 27 3 2027")
    )

    class Meta:
        model = Action
        fields = ["description", "owner_name", "owner_organisation", "due_date"]
        labels = {
            "description": _("Action"),
            "owner_name": _("Who owns it?"),
            "owner_organisation": _("Their organisation"),
        }
        help_texts = {
            "description": _(
                "Something to do before the sharing starts, for example 'update the privacy "
                "notice' or 'complete the DPIA'."
            ),
            "owner_name": _("A named person, or a role such as 'IG lead'."),
        }

    def __init__(self, *args, proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_organisation"].queryset = Organisation.objects.filter(
            participations__proposal=proposal
        )
        self.fields["owner_organisation"].empty_label = _("Choose an organisation")
        self.fields["owner_organisation"].required = True
