"""All ORM models; importing this package registers every table on ``Base.metadata``."""

from .aid import AidCase, AidCause
from .areas import Area
from .assistance import (AssistanceCase, CaseEvent, CaseMember, EntitlementGuard,
                         EntitlementMark, EntitlementRow, PolicySetting, Standard)
from .audit import AuditEntry, Role, RolePermission, User, UserRole
from .base import Base
from .care import CareInstitution
from .papers import AppMeta, Paper
from .exchange import (DuplicateTicket, ExchangePackage, ExchangeSite, ReceivedRoster,
                       ReceivedRosterLine, SyncBase, SyncConflict)
from .liaison import (Assignment, Institution, InstitutionAssessment, InstitutionResult, Leader,
                      LiaisonRule, LiaisonRuleVersion, Rectification, Visit)
from .monitoring import (HeldLine, MonitoringRun, MonitoringTask, MonitoringWarning,
                         OutsideList, OutsideListRow, RegisterMembership, WarningRule)
from .registry import (Household, HouseholdMembership, Income, Person, PersonSearchKey,
                       PropertyItem)
from .rosters import (Adjustment, BankReturn, PaymentResult, Roster, RosterLine,
                      RosterLineItem, RosterSum)

__all__ = ["Area", "AuditEntry", "Base", "Household", "HouseholdMembership", "Income", "Person",
           "PersonSearchKey", "PropertyItem", "User"]
__all__ += ["Assignment", "Institution", "InstitutionAssessment", "InstitutionResult", "Leader",
            "LiaisonRule", "LiaisonRuleVersion", "Rectification", "Visit"]
__all__ += ["AssistanceCase", "CaseEvent", "CaseMember", "EntitlementGuard", "EntitlementMark",
            "EntitlementRow", "PolicySetting", "Standard"]
__all__ += ["Adjustment", "BankReturn", "PaymentResult", "Roster", "RosterLine", "RosterLineItem",
            "RosterSum"]
__all__ += ["AidCase", "AidCause"]
__all__ += ["CareInstitution"]
__all__ += ["HeldLine", "MonitoringRun", "MonitoringTask", "MonitoringWarning", "OutsideList",
            "OutsideListRow", "RegisterMembership", "WarningRule"]
__all__ += ["Role", "RolePermission", "UserRole"]
__all__ += ["AppMeta", "Paper"]
__all__ += ["DuplicateTicket", "ExchangePackage", "ExchangeSite", "ReceivedRoster",
            "ReceivedRosterLine", "SyncBase", "SyncConflict"]
