"""Demo data: one package for every generator (registry, cases, temporary aid, liaison) and
one name pool (:mod:`.names`). Generators write through the same bulk writers and services
as real data; nothing here is imported by the services."""

from .registry import (DEMO_STANDARDS, DEMO_STANDARDS_FROM, DemoSummary, generate_demo,
                       generate_demo_cases, generate_demo_city)

__all__ = ["DEMO_STANDARDS", "DEMO_STANDARDS_FROM", "DemoSummary", "generate_demo",
           "generate_demo_cases", "generate_demo_city"]
