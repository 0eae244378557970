"""Display labels for the core's coded values, translated through Qt (context "labels")."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP

from assistcase.rules.money import parse_yuan, yuan

_LABELS: dict[str, dict[str, str]] = {
    "relation": {
        "head": QT_TRANSLATE_NOOP("labels", "Head"),
        "spouse": QT_TRANSLATE_NOOP("labels", "Spouse"),
        "child": QT_TRANSLATE_NOOP("labels", "Child"),
        "parent": QT_TRANSLATE_NOOP("labels", "Parent"),
        "grandchild": QT_TRANSLATE_NOOP("labels", "Grandchild"),
        "sibling": QT_TRANSLATE_NOOP("labels", "Sibling"),
        "other": QT_TRANSLATE_NOOP("labels", "Other"),
    },
    "category": {
        "dibao": QT_TRANSLATE_NOOP("labels", "Subsistence allowance"),
        "tekun": QT_TRANSLATE_NOOP("labels", "Extreme hardship"),
        "marginal": QT_TRANSLATE_NOOP("labels", "Marginal household"),
        "monitored": QT_TRANSLATE_NOOP("labels", "Monitored household"),
        "none": QT_TRANSLATE_NOOP("labels", "Not assisted"),
    },
    "status": {
        "active": QT_TRANSLATE_NOOP("labels", "Active"),
        "closed": QT_TRANSLATE_NOOP("labels", "Closed"),
    },
    "residence_class": {
        "urban": QT_TRANSLATE_NOOP("labels", "Urban"),
        "rural": QT_TRANSLATE_NOOP("labels", "Rural"),
    },
    "self_care": {
        "full": QT_TRANSLATE_NOOP("labels", "Fully self-caring"),
        "partial": QT_TRANSLATE_NOOP("labels", "Partly disabled"),
        "none": QT_TRANSLATE_NOOP("labels", "Fully disabled"),
    },
    # Stored as the Chinese category names of GB/T 26341 (as the demo and imports write them).
    "disability_category": {
        "视力": QT_TRANSLATE_NOOP("labels", "Visual"),
        "听力": QT_TRANSLATE_NOOP("labels", "Hearing"),
        "言语": QT_TRANSLATE_NOOP("labels", "Speech"),
        "肢体": QT_TRANSLATE_NOOP("labels", "Physical"),
        "智力": QT_TRANSLATE_NOOP("labels", "Intellectual"),
        "精神": QT_TRANSLATE_NOOP("labels", "Mental"),
        "多重": QT_TRANSLATE_NOOP("labels", "Multiple"),
    },
    "sex": {
        "M": QT_TRANSLATE_NOOP("labels", "Male"),
        "F": QT_TRANSLATE_NOOP("labels", "Female"),
    },
    "account_type": {
        "card": QT_TRANSLATE_NOOP("labels", "Bank card"),
        "passbook": QT_TRANSLATE_NOOP("labels", "Passbook"),
        "none": QT_TRANSLATE_NOOP("labels", "No account"),
    },
    "income_source": {
        "wages": QT_TRANSLATE_NOOP("labels", "Wages"),
        "agriculture": QT_TRANSLATE_NOOP("labels", "Agriculture"),
        "business": QT_TRANSLATE_NOOP("labels", "Business"),
        "pension": QT_TRANSLATE_NOOP("labels", "Pension"),
        "transfer": QT_TRANSLATE_NOOP("labels", "Transfers"),
        "property": QT_TRANSLATE_NOOP("labels", "Property income"),
        "other": QT_TRANSLATE_NOOP("labels", "Other"),
    },
    "property_kind": {
        "deposit": QT_TRANSLATE_NOOP("labels", "Deposits"),
        "vehicle": QT_TRANSLATE_NOOP("labels", "Vehicle"),
        "housing": QT_TRANSLATE_NOOP("labels", "Housing"),
        "other": QT_TRANSLATE_NOOP("labels", "Other"),
    },
}


def label(kind: str, value: str | None) -> str:
    """The translated label of ``value`` (a coded value of the core) of the given kind."""
    if value is None:
        return ""
    source = _LABELS[kind].get(value)
    return QCoreApplication.translate("labels", source) if source else str(value)


def choices(kind: str) -> list[tuple[str, str]]:
    """(value, translated label) pairs in the core's order."""
    return [(value, QCoreApplication.translate("labels", text))
            for value, text in _LABELS[kind].items()]


def fen_to_yuan_text(fen: int) -> str:
    """12345 → "123.45" (display only; money stays integer fen)."""
    return yuan(fen)


def yuan_text_to_fen(text: str) -> int | None:
    """Parse "123.45" / "123" / "1,234.5" into integer fen; None when it is not an amount."""
    return parse_yuan(text)
