"""Proposal pages. Split by what they do: the dashboard and start, the task list and the pages
of plain questions (sections), repeating lists (items), parties and lawful bases (parties), the
DPIA (dpia), the vision statement, submission, and the decision round (review)."""
