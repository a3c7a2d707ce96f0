"""Page sections: how a higher app adds a panel to a lower app's page without being imported.

The page of a lower app (the order page, the object page) asks `sections_for(page, user)` and
renders each section as a card that loads itself from the higher app's URL (htmx, on load),
with a plain link to the same URL when scripts do not run. The higher app registers its
sections in its `AppConfig.ready()`, as it subscribes to domain events; the lower app names
no higher app, so dependencies keep pointing down.

Pages and what their templates pass to the section's URL:

| page     | URL arguments        |
|----------|----------------------|
| "order"  | the order's pk       |
| "object" | the object's pk      |
| "reports"| none (the reports index lists them) |
"""

from collections.abc import Callable
from dataclasses import dataclass

Permission = str | Callable[[object], bool]


@dataclass(frozen=True)
class Section:
    page: str
    key: str  # stable: the card's id is "section-<key>"
    title: str
    url_name: str
    permission: Permission  # a permission name, or a predicate of the user
    description: str = ""

    def allows(self, user) -> bool:
        if callable(self.permission):
            return bool(self.permission(user))
        return user.has_perm(self.permission)


_sections: dict[str, list[Section]] = {}


def register_section(
    page: str,
    *,
    key: str,
    title: str,
    url_name: str,
    permission: Permission,
    description: str = "",
) -> Section:
    """Add a section to a page; registering a key again replaces it in its place (so a
    repeated `ready()` never shows a section twice)."""
    section = Section(page, key, title, url_name, permission, description)
    sections = _sections.setdefault(page, [])
    for index, existing in enumerate(sections):
        if existing.key == key:
            sections[index] = section
            return section
    sections.append(section)
    return section


def unregister_section(page: str, key: str) -> None:
    _sections[page] = [s for s in _sections.get(page, []) if s.key != key]


def sections_for(page: str, user) -> list[Section]:
    """The page's sections the user may see, in registration order."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [section for section in _sections.get(page, []) if section.allows(user)]


def registered_sections() -> list[tuple[str, str, str]]:
    """(page, key, URL name) of every section, sorted, for listings and tests."""
    return sorted(
        (section.page, section.key, section.url_name)
        for sections in _sections.values()
        for section in sections
    )
