"""Each demo role logs in through the form and sees its own home page, top bar and navigation."""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _stat(page: Page, label: str):
    """The figure of the key-figure tile with this label."""
    return page.locator(".stat").filter(has=page.locator(".stat-label", has_text=label))


def check_manager_home(page: Page) -> None:
    expect(page.locator('[data-stat="customers"]')).to_have_text("30")
    expect(_stat(page, "Active customers")).to_contain_text("30")
    expect(page.locator('[data-stat="technicians"]')).to_have_text("8")
    latest = page.locator("section", has=page.get_by_role("heading", name="Latest customers"))
    expect(latest.locator("li")).to_have_count(5)
    expect(page.get_by_role("link", name="New customer")).to_be_visible()


def check_dispatcher_home(page: Page) -> None:
    expect(_stat(page, "Lifts team").locator(".stat-value")).to_have_text("4")
    expect(_stat(page, "HVAC team").locator(".stat-value")).to_have_text("4")
    technicians = page.locator("section", has=page.get_by_role("heading", name="Technicians"))
    expect(technicians.locator("tbody tr")).to_have_count(8)
    expect(technicians.get_by_role("cell", name="Mikko Virtanen")).to_be_visible()


def check_technician_home(page: Page) -> None:
    expect(page.get_by_role("heading", name="Mikko Virtanen")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("Lifts team")
    team = page.locator("section", has=page.get_by_role("heading", name="My team"))
    expect(team.locator("li")).to_have_count(3)
    expect(team).to_contain_text("Jussi Korhonen")
    expect(team).not_to_contain_text("Mikko Virtanen")


def check_customer_home(page: Page) -> None:
    expect(page.locator("dl.facts")).to_contain_text("C00001")
    expect(page.locator("dl.facts")).to_contain_text("Gold")
    sites = page.locator("section", has=page.get_by_role("heading", name="Your sites"))
    expect(sites.locator("li strong")).to_have_text(
        [
            "Kiinteistö Oy Tapiolan Torni, building A",
            "Kiinteistö Oy Tapiolan Torni, building B",
        ]
    )
    expect(sites).to_contain_text("Espoo")
    contacts = page.locator("section", has=page.get_by_role("heading", name="Your contacts"))
    expect(contacts.locator("li")).to_have_count(2)


def check_administrator_home(page: Page) -> None:
    # manager, dispatcher, admin, tech1..tech8 and customer1.
    expect(page.locator('[data-stat="users"]')).to_have_text("12")
    expect(_stat(page, "Technician").locator(".stat-value")).to_have_text("8")
    latest = page.locator("section", has=page.get_by_role("heading", name="Latest users"))
    expect(latest.locator("li").first).to_be_visible()
    expect(page.get_by_role("link", name="New user")).to_be_visible()


@dataclass(frozen=True)
class Expected:
    username: str
    full_name: str
    role_label: str
    heading: str
    nav: list[str]
    check_home: Callable[[Page], None]


ROLES = [
    Expected(
        "manager",
        "Maria Manninen",
        "Service manager",
        "Service manager",
        [
            "Home",
            "Orders",
            "SLA",
            "Agreements",
            "Subscriptions",
            "Invoices",
            "Returns",
            "Customers",
            "Objects",
            "Dispatch",
            "Technicians",
            "Calendars",
            "Policies",
            "Reports",
            "Admin",
        ],
        check_manager_home,
    ),
    Expected(
        "dispatcher",
        "Daniel Sjöberg",
        "Dispatcher",
        "Dispatcher",
        [
            "Home",
            "Orders",
            "SLA",
            "Agreements",
            "Returns",
            "Customers",
            "Objects",
            "Dispatch",
            "Technicians",
            "Reports",
        ],
        check_dispatcher_home,
    ),
    Expected(
        "tech1",
        "Mikko Virtanen",
        "Technician",
        "My day",
        ["Home", "My orders", "My repairs", "Customers", "Objects", "Technicians"],
        check_technician_home,
    ),
    Expected(
        "customer1",
        "",  # the contact's name; the demo picks it from its name lists
        "Customer",
        "Kiinteistö Oy Tapiolan Torni",
        ["Home", "Orders", "My invoices", "My returns", "My company", "Objects"],
        check_customer_home,
    ),
    Expected(
        "admin",
        "Ada Admin",
        "Administrator",
        "Administrator",
        [
            "Home",
            "Orders",
            "SLA",
            "Agreements",
            "Subscriptions",
            "Invoices",
            "Returns",
            "Customers",
            "Objects",
            "Technicians",
            "Calendars",
            "Policies",
            "Admin",
        ],
        check_administrator_home,
    ),
]


@pytest.mark.parametrize("expected", ROLES, ids=[role.username for role in ROLES])
def test_role_logs_in_and_sees_its_home(page, demo, login, expected):
    login(page, expected.username)

    topbar = page.locator("header.topbar")
    expect(topbar.get_by_role("button", name="Menu")).to_be_hidden()  # styled: desktop layout
    expect(topbar.locator("[data-role]")).to_have_text(expected.role_label)
    if expected.full_name:
        expect(topbar.locator(".user-name")).to_have_text(expected.full_name)
    expect(page.locator("main h1")).to_have_text(expected.heading)
    nav_links = page.locator("#main-nav ul a")
    expect(nav_links).to_have_text(expected.nav)
    expect(nav_links.first).to_have_attribute("aria-current", "page")
    expected.check_home(page)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))


def test_customer_reaches_only_their_own_company(page, demo, login):
    login(page, "customer1")

    page.get_by_role("link", name="My company").click()

    expect(page).to_have_url(re.compile(r"/customers/\d+/$"))
    expect(page.locator("main h1")).to_have_text("Kiinteistö Oy Tapiolan Torni")
    expect(page.locator("#sites tbody tr")).to_have_count(2)
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="My company")).to_have_attribute("aria-current", "page")


def test_wrong_password_is_refused_on_the_form(page, demo):
    page.goto("/login/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page).to_have_url(re.compile(r"/login/$"))


def test_phone_layout_collapses_navigation_into_menu_button(phone_page, demo, login):
    page = phone_page
    login(page, "tech1")

    menu = page.get_by_role("button", name="Menu")
    nav_links = page.locator("#main-nav ul a")
    expect(menu).to_be_visible()
    assert menu.bounding_box()["height"] >= 44  # a touch target (ui.md)
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav_links.first).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    menu.click()

    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav_links).to_have_text(
        ["Home", "My orders", "My repairs", "Customers", "Objects", "Technicians"]
    )
    for link in nav_links.all():
        expect(link).to_be_visible()
    page.get_by_role("link", name="Technicians").click()
    expect(page).to_have_url(re.compile(r"/technicians/$"))
    expect(page.locator("main h1")).to_have_text("Technicians")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
