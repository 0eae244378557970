"""The repository explains itself: the README links the rules as the app implements them in
``docs/domain.md`` (issue 18), not a file outside the repository."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_sends_readers_to_the_rules_in_the_repository_not_outside_it():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme and "shared/DOMAIN" not in readme
    assert "docs/domain.md" in readme
    domain = (ROOT / "docs" / "domain.md").read_text(encoding="utf-8")
    # the figures and rules users meet every day are stated there
    for rule in ("低保", "特困", "公示", "emporary aid"):
        assert rule in domain, rule
