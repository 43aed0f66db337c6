"""Proposal pages. Split by what they do: the dashboard and start, the sections, the vision
statement, and submission."""
