"""AssistCase's PySide6 front end. Views call the core's services and queries; no rules here."""
