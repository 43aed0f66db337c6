"""Generating a data-sharing agreement from an approved proposal's frozen version.

Two steps, both idempotent, run by the `agreements.generate` task (services.py):

1. `agreement_create`: the Agreement row with its reference, the parties as they are at
   generation (AgreementParty snapshots with the signatures each owes), the document's
   content (content.py: every section the ICO data sharing code expects, built from the
   frozen version and the clause library of clauses.py, with the clause versions used) and
   view permissions. Quick, in one transaction.
2. `agreement_render_draft`: the draft PDF, rendered outside any lock (seconds), stored once
   with its SHA-256; the agreement then awaits signatures and each party's signatories are
   asked to sign.

The content is plain JSON of plain text: the HTML page and the print template render it with
autoescaping, so nothing a proposal's author typed is ever read as markup.
"""
