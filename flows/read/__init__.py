"""What reads the published warehouse: the dashboard's and the digest's queries (``readers``), the
digest, and the dashboard launcher. Read-only, short-lived connections; marts only."""
