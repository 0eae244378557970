"""Security: encrypted exchange packages (and, with issue 19, key slots and the audit chain)."""
