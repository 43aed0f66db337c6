"""Generating, rendering and sealing agreements (filled in by the documents work)."""
