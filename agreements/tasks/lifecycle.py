"""Review reminders and expiry (filled in by the lifecycle work)."""
