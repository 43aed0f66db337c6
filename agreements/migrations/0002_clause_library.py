"""The standard clause library: the wording every generated agreement starts from.

Portal administrators keep these clauses in Django admin afterwards; each change raises the
clause's version and agreements record the versions they used. This migration only seeds the
first version of each clause and never overwrites a clause an administrator has already made.
"""

from django.db import migrations

CLAUSES = [
    (
        "joint-controllers",
        "Joint controllers' arrangement (UK GDPR Article 26)",
        """Where this agreement names parties as joint controllers, they jointly decide why and how the shared personal data is processed. This section is their arrangement under Article 26 of the UK GDPR.

The lead organisation publishes the privacy information for the joint processing and is the first point of contact for individuals. Each joint controller answers requests and complaints about the data it holds and passes any other request to the lead organisation within five working days.

Each joint controller keeps its own records of processing, applies the security measures in this agreement and reports breaches as this agreement sets out. The essence of this arrangement is made available to the individuals concerned, in the privacy information, in plain language.

Individuals may exercise their rights against any of the joint controllers, whatever this arrangement says.""",
    ),
    (
        "transparency",
        "Transparency: how people are told",
        """Each party tells the people whose data it shares, in its privacy notice, that the sharing takes place: with whom, for what purpose, on what lawful basis, for how long the data is kept and how to exercise their rights. Privacy notices are updated before the sharing starts.

Where a party collects data directly from individuals it gives this information when it collects the data. Where it receives data from another party it gives the information within a reasonable period and at the latest within one month, unless an exemption in the Data Protection Act 2018 applies, in which case it records the exemption and the reason.

Information is written in clear, plain language and made available in accessible formats on request.""",
    ),
    (
        "data-quality",
        "Data quality",
        """Each providing party makes sure the data it shares is accurate, complete and up to date for the purpose of this agreement, and shares only the data items listed in it.

Data is shared in the agreed format and through the agreed method. A party that finds an error in data it received tells the providing party without undue delay; the providing party corrects the error at source and shares the correction with every party that received the data.

Parties agree a common way of matching records (for example the NHS number where it may lawfully be used) so that data about one person is not linked to another.""",
    ),
    (
        "security",
        "Security",
        """Each party protects the shared data with appropriate technical and organisational measures, as Article 32 of the UK GDPR requires, and at least with the measures described in this agreement.

Access is limited to staff who need it for the purpose of this agreement, who have had data protection training within the last year and who are bound by a duty of confidentiality. Data is encrypted in transit and at rest, and is not moved to removable media or personal devices.

Health and care partners keep their Data Security and Protection Toolkit status at "standards met" or above. No party moves shared data outside the United Kingdom without the written agreement of the providing party and a lawful transfer mechanism.

A party that uses a processor to hold or handle the shared data does so under a written contract meeting Article 28 of the UK GDPR; the processor is not a party to this agreement.""",
    ),
    (
        "retention",
        "Retention and deletion",
        """Each party keeps the shared data no longer than this agreement states and than the purpose requires, in line with its records retention schedule.

At the end of the retention period, or when the sharing ends, the receiving party securely deletes or returns the data as this agreement states, including copies in back-ups once they expire, and confirms this in writing to the providing party within 30 days.

Secure deletion means deletion that cannot be reversed: overwriting or cryptographic erasure for electronic records and cross-cut shredding or a certified contractor for paper.""",
    ),
    (
        "individuals-rights",
        "Individuals' rights and requests",
        """Individuals keep all their rights under the UK GDPR: to be informed, of access, to rectification, to erasure, to restrict processing, to data portability and to object, and the rights about automated decision-making.

Each party handles requests about the data it holds, within the time limits the law sets (usually one calendar month). A party that receives a request which concerns data another party provided consults that party before responding, without delaying the response, and tells the other parties of any correction or erasure that affects the shared data.

Requests under the Freedom of Information Act 2000 or the Environmental Information Regulations 2004 about this agreement are handled by the party that receives them, after consulting the other parties where their information is concerned.

Each party's data protection officer is the contact for requests; their details are in the parties section.""",
    ),
    (
        "breaches",
        "Personal data breaches",
        """A party that becomes aware of a personal data breach involving the shared data tells the party that provided the data, and the lead organisation, without undue delay and within 24 hours, with what it knows at the time.

The parties co-operate to contain the breach, to assess the risk to individuals and to recover the data. The controller of the affected data decides whether to notify the Information Commissioner's Office, which must be done within 72 hours of becoming aware of a breach that is likely to result in a risk to individuals, and whether to tell the individuals concerned. Health and care partners also report through the Data Security and Protection Toolkit.

Each party records every breach, whether or not it is reported, with the facts, the effects and the action taken.""",
    ),
    (
        "complaints",
        "Complaints",
        """A complaint about the sharing under this agreement is handled by the party that receives it, under its complaints procedure. Where the complaint concerns another party's handling of the data, the receiving party passes it to that party within five working days and tells the complainant it has done so.

Parties help each other to answer complaints and keep each other informed of complaints that may affect the sharing. Complainants are told of their right to complain to the Information Commissioner's Office.""",
    ),
    (
        "review",
        "Review of the agreement",
        """The parties review this agreement on the review date it states, and at least at the frequency it states, to check that the sharing is still necessary, that it is achieving its purpose and that this agreement is being followed.

The parties also review it sooner after a serious breach, a complaint that shows a problem with the sharing, a change in the law or guidance, or a change in a party's role. A review ends in continuing the agreement with a new review date, varying it (a new version that is approved and signed again) or ending it.""",
    ),
    (
        "termination",
        "Termination and exit",
        """The sharing ends on the end date this agreement states, or earlier if every party agrees in writing, or if a party withdraws by giving the other parties at least three months' written notice.

A party may suspend the sharing of its data at once where it believes the sharing is no longer lawful or that the data is at risk, and tells the other parties why.

When the sharing ends, or a party withdraws, the data already shared is returned or securely deleted as the retention and deletion section states, unless the law requires a party to keep it. The duties of confidentiality, security, breach reporting and handling requests continue for as long as any party holds the shared data.""",
    ),
    (
        "non-compliance",
        "If a party does not comply",
        """A party that believes another party is not complying with this agreement raises it with that party's data protection officer in writing. The parties try to resolve it within 20 working days.

If it is not resolved, it is escalated to the parties' senior information risk owners and may be referred to the Greater Manchester information sharing steering group. The other parties may suspend sharing with a party that does not comply until the matter is resolved, and a serious or repeated failure is a reason to end the agreement for that party.

Nothing in this agreement limits any party's own legal duties or the powers of the Information Commissioner.""",
    ),
    (
        "signatories",
        "Signatories",
        """By signing, each signatory confirms that they are authorised to sign for their organisation, that their organisation will comply with this agreement and with data protection law, and that they have read the agreement as it is written here.

Each party signs through its senior information risk owner or another authorised signatory. A health or care party that processes confidential patient information may also need its Caldicott Guardian to sign. The agreement takes effect when every party required to sign has signed and the portal has sealed the signed document.""",
    ),
]


def seed(apps, schema_editor):
    ClauseTemplate = apps.get_model("agreements", "ClauseTemplate")
    for order, (key, title, body) in enumerate(CLAUSES, start=1):
        ClauseTemplate.objects.get_or_create(
            key=key, defaults={"title": title, "body": body, "order": order * 10}
        )


def unseed(apps, schema_editor):
    ClauseTemplate = apps.get_model("agreements", "ClauseTemplate")
    ClauseTemplate.objects.filter(key__in=[key for key, _t, _b in CLAUSES], version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
