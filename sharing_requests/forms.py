"""Forms of the proposal's seven sections. Hints speak plain English: most authors are not
information governance specialists."""

import zipfile

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from isf_portal.forms import GovukDateField, GovukForm, GovukModelForm
from organisations.models import Organisation

from .choices import (
    ARTICLE6_HINTS,
    DPIA_INDICATORS,
    LEGAL_POWERS,
    Article6,
    Article9,
    Schedule1Condition,
)
from .models import (
    Action,
    DataItem,
    LawfulBasis,
    MeasurableOutcome,
    Participant,
    Proposal,
    VisionStatement,
)

DPIA_MAX_BYTES = 10 * 1024 * 1024


class RevisionMixin(forms.Form):
    """Carries the section's revision so a save over someone else's is caught."""

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


class StartForm(GovukForm):
    messages = {
        "lead_organisation": (_("Select the organisation leading this proposal"), None),
        "title": (_("Enter a title for the proposal"), _("The title")),
    }
    lead_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Which organisation is leading this proposal?"),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    title = forms.CharField(
        label=_("Proposal title"),
        max_length=200,
        help_text=_(
            "A short name people will recognise, for example 'Home fire safety visits for "
            "people receiving adult social care'."
        ),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_organisation"].queryset = organisations
        if organisations.count() == 1:
            self.fields["lead_organisation"].widget = forms.HiddenInput()
            self.fields["lead_organisation"].initial = organisations.first().pk


class PurposeForm(RevisionMixin, GovukModelForm):
    messages = {
        "title": (_("Enter a title for the proposal"), _("The title")),
        "problem": (_("Describe the problem you are trying to solve"), _("The problem")),
        "benefits": (_("Describe the benefits you expect"), _("The benefits")),
    }

    class Meta:
        model = Proposal
        fields = ["title", "problem", "benefits"]
        labels = {
            "title": _("Proposal title"),
            "problem": _("What problem are you trying to solve?"),
            "benefits": _("What benefits do you expect?"),
        }
        help_texts = {
            "title": _("A short name people will recognise."),
            "problem": _(
                "Describe the situation today and why it needs data to be shared. Avoid "
                "jargon: people outside information governance will read this."
            ),
            "benefits": _(
                "Who benefits and how: residents, services, staff. You add measurable "
                "outcomes separately."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields:
            self.fields[name].required = True


class VisionForm(RevisionMixin, GovukModelForm):
    messages = {
        "for_who": (None, _("Who it is for")),
        "need": (None, _("Their need")),
        "proposal_name": (None, _("The proposal's name")),
        "outcome": (None, _("What it will achieve")),
        "data_shared": (None, _("What data will be shared")),
        "between_whom": (None, _("Between which organisations")),
        "today": (None, _("How it is done today")),
        "benefit": (None, _("The benefit over today")),
    }

    class Meta:
        model = VisionStatement
        fields = VisionStatement.PARTS
        labels = {
            "for_who": _("Who is it for?"),
            "need": _("What do they need?"),
            "proposal_name": _("What is the proposal called?"),
            "outcome": _("What will it achieve?"),
            "data_shared": _("What data will be shared?"),
            "between_whom": _("Between which organisations?"),
            "today": _("How is it done today?"),
            "benefit": _("What is the benefit over today?"),
        }
        help_texts = {
            "for_who": _("For example, 'older people receiving adult social care'."),
            "need": _("Starts after 'who'. For example, 'are at higher risk of fire at home'."),
            "proposal_name": _("For example, 'the home fire safety referral scheme'."),
            "outcome": _("Starts after 'will'. For example, 'prevent fires and deaths'."),
            "data_shared": _("For example, 'names, addresses and fire risk flags'."),
            "between_whom": _("For example, 'the ten councils and the fire and rescue service'."),
            "today": _("Starts after 'Unlike'. For example, 'today's ad hoc phone referrals'."),
            "benefit": _("Starts after 'it will'. For example, 'reach everyone at risk'."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every part is needed to complete the section, but a part-written statement saves.
        for field in self.fields.values():
            field.hide_optional = True


class OutcomeForm(RevisionMixin, GovukModelForm):
    messages = {
        "description": (_("Enter the outcome"), _("The outcome")),
        "measure": (_("Say how you will measure it"), _("How it is measured")),
    }

    class Meta:
        model = MeasurableOutcome
        fields = ["description", "measure", "target"]
        labels = {
            "description": _("Outcome"),
            "measure": _("How will you measure it?"),
            "target": _("Target"),
        }
        help_texts = {
            "description": _("For example, 'fewer accidental dwelling fires among care users'."),
            "measure": _("The figure you will track, and its source."),
            "target": _("For example, '20% fewer within 2 years'."),
        }


class NeedsForm(RevisionMixin, GovukModelForm):
    messages = {
        "data_subjects": (_("Say whose data will be shared"), _("Whose data")),
    }

    class Meta:
        model = Proposal
        fields = ["data_subjects"]
        labels = {"data_subjects": _("Whose data will be shared?")}
        help_texts = {
            "data_subjects": _(
                "The people the data is about, for example 'adults receiving a home care "
                "package in Greater Manchester'. Say if they include children or other "
                "vulnerable people."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["data_subjects"].required = True


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
        from .completeness import basis_problems

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


class ConfidentialityForm(RevisionMixin, GovukModelForm):
    messages = {
        "confidentiality_basis": (
            _("Select the basis under the common-law duty of confidentiality"),
            None,
        ),
        "national_data_opt_out": (_("Select whether the national data opt-out applies"), None),
    }

    class Meta:
        model = Proposal
        fields = ["confidentiality_basis", "national_data_opt_out"]
        labels = {
            "confidentiality_basis": _(
                "What is the basis under the common-law duty of confidentiality?"
            ),
            "national_data_opt_out": _("Does the national data opt-out apply?"),
        }
        help_texts = {
            "confidentiality_basis": _(
                "Health and care information given in confidence needs a basis besides UK "
                "GDPR. Weigh the eight Caldicott principles; a Caldicott Guardian may need to "
                "sign beside the SIRO."
            ),
            "national_data_opt_out": _(
                "It applies to confidential patient information used for research and "
                "planning, not for individual care or where the law requires the sharing."
            ),
        }
        widgets = {
            "confidentiality_basis": forms.RadioSelect,
            "national_data_opt_out": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields:
            self.fields[name].required = True
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]


NONE_OF_THESE = "none"


class ScreeningForm(RevisionMixin, GovukForm):
    indicators = forms.MultipleChoiceField(
        label=_("Which of these apply to the sharing?"),
        help_text=_(
            "These are the ICO's indicators of high-risk processing. Select all that apply."
        ),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select which indicators apply, or select 'None of these'")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["indicators"]
        field.choices = [(key, label) for key, label, _hint, _d in DPIA_INDICATORS] + [
            (NONE_OF_THESE, _("None of these"))
        ]
        field.choice_hints = {key: str(hint) for key, _label, hint, _d in DPIA_INDICATORS if hint}

    def clean_indicators(self):
        chosen = self.cleaned_data["indicators"]
        if NONE_OF_THESE in chosen and len(chosen) > 1:
            raise forms.ValidationError(
                _("Select the indicators that apply, or 'None of these', not both")
            )
        return [c for c in chosen if c != NONE_OF_THESE]


class DpiaForm(RevisionMixin, GovukForm):
    dpia_reference = forms.CharField(
        label=_("DPIA reference"),
        max_length=100,
        required=False,
        help_text=_("The reference in your organisation's DPIA log, for example DPIA-2026-014."),
    )
    dpia_file = forms.FileField(
        label=_("Attach the DPIA"),
        required=False,
        help_text=_("A PDF or Word (.docx) file, 10 MB or smaller."),
    )

    def __init__(self, *args, has_file=False, **kwargs):
        self.has_file = has_file
        super().__init__(*args, **kwargs)

    def clean_dpia_file(self):
        upload = self.cleaned_data.get("dpia_file")
        if not upload:
            return None
        if upload.size > DPIA_MAX_BYTES:
            raise forms.ValidationError(_("The DPIA must be 10 MB or smaller"))
        kind = sniff_document(upload)
        if kind is None:
            raise forms.ValidationError(_("The DPIA must be a PDF or a Word (.docx) file"))
        upload.isf_extension = kind
        return upload

    def clean(self):
        data = super().clean()
        if (
            not self.errors
            and not data.get("dpia_reference")
            and not data.get("dpia_file")
            and (not self.has_file)
        ):
            self.add_error("dpia_reference", _("Enter the DPIA reference or attach the DPIA"))
        return data


def sniff_document(upload) -> str | None:
    """'pdf' or 'docx' by the file's content, whatever its name says; None otherwise."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return "docx"
    return None


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


class HowForm(RevisionMixin, GovukModelForm):
    messages = {
        "transfer_method": (_("Say how the data will move"), _("How the data moves")),
        "frequency": (_("Select how often data is shared"), None),
        "security_measures": (
            _("Say how the data will be kept secure"),
            _("The security measures"),
        ),
        "access_controls": (_("Say who will have access"), _("Who has access")),
        "storage_location": (_("Say where the data will be stored"), _("Where it is stored")),
    }

    class Meta:
        model = Proposal
        fields = [
            "transfer_method",
            "frequency",
            "security_measures",
            "access_controls",
            "storage_location",
        ]
        labels = {
            "transfer_method": _("How will the data move between organisations?"),
            "frequency": _("How often?"),
            "security_measures": _("How will it be kept secure?"),
            "access_controls": _("Who will have access?"),
            "storage_location": _("Where will it be stored?"),
        }
        help_texts = {
            "transfer_method": _(
                "For example, secure e-mail (NHS.net to gcsx successors), an SFTP transfer, or "
                "read access to a shared case management system."
            ),
            "security_measures": _(
                "Encryption in transit and at rest, role-based access, audit logs, training."
            ),
            "access_controls": _(
                "Teams or roles, not names. Say how access is granted and removed."
            ),
            "storage_location": _(
                "The system and where it is hosted, for example 'GMFRS's CRM, hosted in the UK'."
            ),
        }
        widgets = {"frequency": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields:
            self.fields[name].required = True
        self.fields["frequency"].choices = [c for c in self.fields["frequency"].choices if c[0]]


class ReviewForm(RevisionMixin, GovukModelForm):
    messages = {
        "review_date": (_("Enter the first review date"), None),
        "review_frequency": (_("Select how often the sharing will be reviewed"), None),
        "success_measures": (
            _("Say how you will know the sharing is working"),
            _("How success is measured"),
        ),
    }
    review_date = GovukDateField(
        label=_("First review date"),
        help_text=_("Usually 12 months after the sharing starts. For example, 27 3 2027"),
    )

    class Meta:
        model = Proposal
        fields = ["review_date", "review_frequency", "success_measures"]
        labels = {
            "review_frequency": _("How often will the sharing be reviewed?"),
            "success_measures": _("How will you know it is working?"),
        }
        help_texts = {
            "success_measures": _(
                "What the review will look at: the measurable outcomes, data quality, "
                "complaints, breaches."
            )
        }
        widgets = {"review_frequency": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields:
            self.fields[name].required = True
        self.fields["review_frequency"].choices = [
            c for c in self.fields["review_frequency"].choices if c[0]
        ]

    def clean_review_date(self):
        value = self.cleaned_data["review_date"]
        if value and value <= timezone.localdate():
            raise forms.ValidationError(_("First review date must be in the future"))
        return value


class ExitForm(RevisionMixin, GovukModelForm):
    messages = {
        "end_date": (_("Enter the date the sharing ends"), None),
        "retention": (_("Say how long each organisation will keep the data"), _("The retention")),
        "end_of_sharing": (_("Select what happens to the data when the sharing ends"), None),
        "early_termination": (_("Say what would end the sharing early"), _("What ends it early")),
    }
    start_date = GovukDateField(
        label=_("When does the sharing start?"),
        required=False,
        help_text=_("Leave empty if it starts when the agreement is signed."),
    )
    end_date = GovukDateField(
        label=_("When does the sharing end?"),
        help_text=_("Agreements usually run for 1 to 3 years. For example, 31 3 2029"),
    )

    class Meta:
        model = Proposal
        fields = ["start_date", "end_date", "retention", "end_of_sharing", "early_termination"]
        labels = {
            "retention": _("How long will each organisation keep the data?"),
            "end_of_sharing": _("What happens to the data when the sharing ends?"),
            "early_termination": _("What would end the sharing early?"),
        }
        help_texts = {
            "retention": _("Point to the retention schedules that apply."),
            "early_termination": _(
                "For example, a serious breach, a party not complying, or the law changing."
            ),
        }
        widgets = {"end_of_sharing": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("end_date", "retention", "end_of_sharing", "early_termination"):
            self.fields[name].required = True
        self.fields["end_of_sharing"].choices = [
            c for c in self.fields["end_of_sharing"].choices if c[0]
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if end and end <= timezone.localdate():
            self.add_error("end_date", _("The end date must be in the future"))
        elif start and end and end <= start:
            self.add_error("end_date", _("The end date must be after the start date"))
        return data


class CompletionForm(GovukForm):
    completed = forms.TypedChoiceField(
        label=_("Have you completed this section?"),
        choices=[
            ("yes", _("Yes, I've completed this section")),
            ("no", _("No, I'll come back to it later")),
        ],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Select whether you have completed this section")},
    )


class CommentForm(GovukForm):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Commenting for"), empty_label=None
    )
    text = forms.CharField(
        label=_("Your comment on the vision statement"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=[o.pk for o in organisations]
        )
        if len(organisations) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations[0].pk


class WithdrawForm(GovukForm):
    messages = {"reason": (_("Say why you are withdrawing the proposal"), _("The reason"))}
    reason = forms.CharField(
        label=_("Why are you withdrawing it?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Partners see this on the proposal's timeline."),
    )
