"""Write services. Each public function owns its transaction, validates its input and records
who did what in the audit log. Reads live in :mod:`assistcase.queries`."""
