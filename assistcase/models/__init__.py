"""All ORM models; importing this package registers every table on ``Base.metadata``."""

from .areas import Area
from .audit import AuditEntry, User
from .base import Base
from .registry import Household, Income, Person, PersonSearchKey, PropertyItem

__all__ = ["Area", "AuditEntry", "Base", "Household", "Income", "Person", "PersonSearchKey",
           "PropertyItem", "User"]
