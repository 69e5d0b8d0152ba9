"""Our own operability: request ids, JSON logs, task context (health views: integrations)."""
