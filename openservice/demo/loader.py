"""Load the demo company through the same services the pages and the API use.

Idempotent: every record is looked up by its natural key (username, code, SKU, customer name,
site name; an agreement by its customer and description) before it is created, so a rerun adds
nothing and a newer demo adds only what is new. Orders are generated from the agreements for the
months ahead, which generation itself makes idempotent; subscriptions and the last months'
invoices come next (billing.py), then the repair codes and a repair history (repairs.py), then
the return codes and returns in every status (returns.py), then the technicians' field calendar
and a week of appointments with an unassigned queue (dispatch.py). Runs in one transaction: a
failure leaves the database as it was.
"""

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from openservice.agreements import selectors as agreement_selectors
from openservice.agreements import services as agreement_services
from openservice.calendars import arithmetic
from openservice.calendars import selectors as calendar_selectors
from openservice.calendars import services as calendar_services
from openservice.catalog import bom_services
from openservice.catalog import selectors as catalog_selectors
from openservice.catalog import services as catalog_services
from openservice.core import selectors as core_selectors
from openservice.core.roles import Role
from openservice.customers import selectors as customer_selectors
from openservice.customers import services as customer_services
from openservice.demo import data
from openservice.demo.billing import load_billing
from openservice.demo.dispatch import load_dispatch
from openservice.demo.repairs import load_repairs
from openservice.demo.returns import load_returns
from openservice.equipment import selectors as equipment_selectors
from openservice.equipment import services as equipment_services
from openservice.equipment.tree import flatten
from openservice.orders import selectors as order_selectors
from openservice.orders import services as order_services
from openservice.orders.services.generation import orders_generate_from_agreements
from openservice.sla import selectors as sla_selectors
from openservice.sla import services as sla_services
from openservice.workforce import selectors as workforce_selectors
from openservice.workforce import services as workforce_services


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, count: int = 1) -> None:
        if count:
            self.created[kind] = self.created.get(kind, 0) + count

    @property
    def total(self) -> int:
        return sum(self.created.values())


def _user(username, first, last, role: str, *, is_staff: bool, report: LoadReport):
    users = get_user_model().objects
    user = users.filter(username=username).first()
    if user is None:
        user = users.create_user(
            username=username,
            password=data.PASSWORD,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.openservice.example",
            is_staff=is_staff,
        )
        user.groups.add(Group.objects.get(name=role))
        report.add("users")
    return user


def _exact(queryset, **fields):
    """The row of a search result whose fields match exactly (searches are 'contains')."""
    return next(
        (row for row in queryset if all(getattr(row, k) == v for k, v in fields.items())), None
    )


@transaction.atomic
def load_demo() -> LoadReport:
    report = LoadReport()
    staff = {
        username: _user(username, first, last, role, is_staff=is_staff, report=report)
        for username, first, last, role, is_staff in data.USERS
    }
    admin = staff["admin"]

    groups = {}
    for code, name, description in data.AGREEMENT_GROUPS:
        group = customer_selectors.agreement_group_by_code(code)
        if group is None:
            group = customer_services.agreement_group_create(
                by=admin, code=code, name=name, description=description
            )
            report.add("agreement groups")
        groups[code] = group

    skills = {}
    for code, name, description in data.SKILLS:
        skill = _exact(workforce_selectors.skill_list(user=admin, q=code), code=code)
        if skill is None:
            skill = workforce_services.skill_create(
                by=admin, code=code, name=name, description=description
            )
            report.add("skills")
        skills[code] = skill

    teams = {}
    for code, name, owner in data.TEAMS:
        team = _exact(workforce_selectors.team_list(user=admin, q=code), code=code)
        if team is None:
            team = workforce_services.team_create(
                by=admin, code=code, name=name, owner=staff[owner]
            )
            report.add("teams")
        teams[code] = team

    for username, name, team, phone, (lat, lon), cost, levels in data.TECHNICIANS:
        first, last = name.split(" ", 1)
        user = _user(username, first, last, Role.TECHNICIAN.value, is_staff=False, report=report)
        if workforce_selectors.technician_of_user(user) is None:
            workforce_services.technician_create(
                by=admin,
                name=name,
                user=user,
                team=teams[team],
                phone=phone,
                email=user.email,
                home_latitude=Decimal(lat),
                home_longitude=Decimal(lon),
                hourly_cost=Decimal(cost),
                skills=[(skills[code], level) for code, level in levels.items()],
            )
            report.add("technicians")

    for sku, name, kind, unit, price, cost, serialized in data.ITEMS:
        if _exact(catalog_selectors.item_list(user=admin, q=sku), sku=sku) is None:
            catalog_services.item_create(
                by=admin,
                sku=sku,
                name=name,
                kind=kind,
                unit=unit,
                sales_price=Decimal(price),
                cost_price=Decimal(cost),
                is_serialized=serialized,
            )
            report.add("items")

    for code, name, minutes, needs, internal, external in data.TASKS:
        if _exact(catalog_selectors.task_list(user=admin, q=code), code=code) is None:
            catalog_services.task_create(
                by=admin,
                code=code,
                name=name,
                default_duration_minutes=minutes,
                internal_note=internal,
                external_note=external,
                required_skills=[(skills[skill], level) for skill, level in needs.items()],
            )
            report.add("tasks")

    _load_sla(admin, groups, report)
    _load_customers(admin, groups, report)
    _load_equipment(admin, report)
    _load_orders(staff["manager"], admin, report)
    _load_sla_showcase(staff["manager"], admin, report)
    _load_agreements(staff["manager"], admin, report)
    load_billing(staff["manager"], admin, report)
    load_repairs(staff["manager"], admin, report)
    load_returns(staff["manager"], admin, report)
    load_dispatch(staff["dispatcher"], admin, report)
    order_services.sla_scan()
    return report


def _load_sla(admin, groups, report: LoadReport) -> None:
    """The Finnish office calendar (the company default), a round-the-clock one, and the Gold,
    Silver and Bronze policies assigned to the agreement groups of the same name (Bronze is
    also the default policy)."""
    calendars = {}
    for definition in data.CALENDARS:
        calendar = _exact(
            calendar_selectors.calendar_list(user=admin, q=definition["name"]),
            name=definition["name"],
        )
        if calendar is None:
            calendar = calendar_services.calendar_create(by=admin, **definition)
            report.add("work calendars")
        calendars[calendar.name] = calendar
    for name, calendar, warning, is_default, group, targets in data.SLA_POLICIES:
        policy = _exact(sla_selectors.policy_list(user=admin, q=name), name=name)
        if policy is None:
            policy = sla_services.policy_create(
                by=admin,
                name=name,
                calendar=calendars[calendar],
                warning_percent=warning,
                is_default=is_default,
                targets=[
                    {"priority": p, "response_minutes": r, "resolution_minutes": s}
                    for p, (r, s) in targets.items()
                ],
            )
            report.add("SLA policies")
        if (
            not sla_selectors.assignment_list(user=admin)
            .filter(agreement_group=groups[group])
            .exists()
        ):
            sla_services.assignment_create(by=admin, policy=policy, agreement_group=groups[group])
            report.add("SLA assignments")


def _business_minutes_ago(calendar, minutes: int, now):
    """The latest instant from which `minutes` business minutes have passed by `now`."""
    low, high = now - timedelta(days=60), now
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        if arithmetic.business_minutes_between(middle, now, calendar) >= minutes:
            low = middle
        else:
            high = middle
    return low


def _load_sla_showcase(manager, admin, report: LoadReport) -> None:
    """A few fresh orders whose SLA is in each live state, whenever the demo is loaded: on
    track, at risk (85% of the response time used), paused (on hold), met (done within the
    targets) and cancelled by hand; the older demo orders supply the breached ones."""
    now = timezone.now()
    sites = [
        site
        for site in customer_selectors.site_list(user=admin, is_active=True).order_by("pk")
        if site.customer.agreement_group is not None
        and site.customer.agreement_group.code == "SILVER"
    ]
    if not sites:
        return
    stages = {stage.code: stage for stage in order_selectors.stage_list()}
    reasons = {code.code: code for code in core_selectors.reason_code_list()}
    silver = _exact(sla_selectors.policy_list(user=admin, q="Silver"), name="Silver")
    calendar = sla_selectors.calendar_of(silver)
    for number, (kind, priority, problem) in enumerate(data.SLA_SHOWCASE, start=1):
        marker = f"(demo SLA #{number})"
        if order_selectors.order_list(user=admin, q=marker).exists():
            continue
        site = sites[number % len(sites)]
        response = sla_selectors.targets_of(silver, priority).response_minutes
        reported_at = now - timedelta(minutes=30)
        if kind == "at_risk":
            reported_at = _business_minutes_ago(calendar, response * 85 // 100, now)
        elif kind == "on_track":
            reported_at = now
        order = order_services.order_create(
            by=manager,
            customer=site.customer,
            site=site,
            description=f"{problem} {marker}",
            priority=priority,
            reported_at=reported_at,
            service_on=now.date(),
            now=now,
        )
        path = {
            "paused": ["scheduled", "in_progress", "on_hold"],
            "met": ["scheduled", "in_progress", "completed"],
        }
        for minutes, step in enumerate(path.get(kind, []), start=1):
            order_services.order_change_stage(
                order=order,
                to=stages[step],
                by=manager,
                reason=reasons["PARTS_MISSING"] if step == "on_hold" else None,
                at=reported_at + timedelta(minutes=5 * minutes),
                now=now,
            )
        if kind == "sla_cancelled":
            order_services.order_sla_cancel(
                order=order, by=manager, reason=reasons["CUSTOMER_REQUEST"], now=now
            )
        report.add("SLA showcase orders")


def _load_customers(admin, groups, report: LoadReport) -> None:
    street_turn = dict.fromkeys(data.TOWNS, 0)
    for index, (name, group_code, towns) in enumerate(data.CUSTOMERS):
        customer = _exact(customer_selectors.customer_list(user=admin, q=name), name=name)
        if customer is None:
            customer = customer_services.customer_create(
                by=admin,
                name=name,
                vat_id=f"FI{2034567 + index * 7919 % 9000000:08d}",
                agreement_group=groups[group_code],
                email=f"info@{_domain(name)}",
                phone=f"+358 9 {4100 + index * 37:04d} {100 + index * 13:03d}",
                billing_address=f"{name}\nPL {100 + index}\n00{20 + index:03d} Helsinki",
            )
            report.add("customers")
        for number, town in enumerate(towns, start=1):
            postcode, lat, lon, streets = data.TOWNS[town]
            turn = street_turn[town]
            street_turn[town] += 1
            site_name = name if len(towns) == 1 else f"{name}, building {chr(64 + number)}"
            existing = customer_selectors.site_list(user=admin, customer_id=customer.pk)
            if _exact(existing, name=site_name) is None:
                customer_services.site_create(
                    by=admin,
                    customer=customer,
                    name=site_name,
                    address=f"{streets[turn % len(streets)]} {3 + (turn * 7) % 60}",
                    postcode=f"{int(postcode) + (turn * 10) % 900:05d}",
                    city=town,
                    country="FI",
                    latitude=lat + Decimal((turn * 37) % 41 - 20) / Decimal(1000),
                    longitude=lon + Decimal((turn * 53) % 61 - 30) / Decimal(1000),
                    timezone="Europe/Helsinki",
                    access_notes="Keys at the lobby key box; code from the dispatcher."
                    if turn % 3 == 0
                    else "",
                )
                report.add("sites")
        _load_contacts(admin, customer, index, report)


def _load_contacts(admin, customer, index: int, report: LoadReport) -> None:
    existing = customer_selectors.contact_list(user=admin, customer_id=customer.pk)
    for offset in range(2):
        first = data.FIRST_NAMES[(index + offset * 5) % len(data.FIRST_NAMES)]
        last = data.LAST_NAMES[(index * 3 + offset) % len(data.LAST_NAMES)]
        name = f"{first} {last}"
        if _exact(existing, name=name) is not None:
            continue
        portal = customer.name == data.PORTAL_CUSTOMER and offset == 0
        user = None
        if portal:
            user = _user(
                "customer1", first, last, Role.CUSTOMER.value, is_staff=False, report=report
            )
        customer_services.contact_create(
            by=admin,
            customer=customer,
            name=name,
            role=data.CONTACT_ROLES[(index + offset) % len(data.CONTACT_ROLES)],
            email=f"{_ascii(first)}.{_ascii(last)}@{_domain(customer.name)}",
            phone=f"+358 50 {300 + index * 11 + offset:03d} {4400 + index * 29:04d}",
            user=user,
        )
        report.add("contacts")


def _ascii(text: str) -> str:
    return text.lower().replace("ä", "a").replace("ö", "o").replace("å", "a").replace(" ", "")


def _domain(name: str) -> str:
    words = [w for w in name.replace(",", "").split() if w not in {"Oy", "As", "Kiinteistö"}]
    return f"{_ascii(''.join(words[:2]))}.example"


def _load_equipment(admin, report: LoadReport) -> None:
    """Object groups, two-version BOMs for lift and HVAC models, and installed objects with
    some past replacements, upgrades and expired warranties."""
    items = {
        item.sku: item for item in catalog_selectors.item_list(user=admin).filter(is_active=True)
    }
    groups = {}
    for code, name in data.OBJECT_GROUPS:
        group = equipment_selectors.object_group_by_code(code)
        if group is None:
            group = equipment_services.object_group_create(by=admin, code=code, name=name)
            report.add("object groups")
        groups[code] = group

    for sku, versions in data.BOMS.items():
        item = items[sku]
        if catalog_selectors.bom_list(user=admin, item_id=item.pk).exists():
            continue
        for valid_from, valid_to, lines in versions:
            bom = bom_services.bom_create(
                by=admin,
                item=item,
                valid_from=valid_from and date.fromisoformat(valid_from),
                valid_to=valid_to and date.fromisoformat(valid_to),
            )
            _add_bom_lines(admin, bom, items, lines)
            bom_services.bom_approve(bom=bom, by=admin)
            report.add("BOM versions")

    today = date.today()
    for index, (customer, site) in enumerate(_object_places(admin)):
        sku, group, prefix, warranty_years = data.OBJECT_MODELS[index % len(data.OBJECT_MODELS)]
        installed_on = date(2017 + index % 9, 1 + (index * 5) % 12, 1 + (index * 7) % 28)
        serial = f"{prefix}-{installed_on.year}-{1000 + index}"
        if equipment_selectors.object_list(user=admin, serial=serial).exists():
            continue
        obj = equipment_services.object_create(
            by=admin,
            customer=customer,
            site=site,
            item=items[sku],
            serial_number=serial,
            installed_on=installed_on,
            warranty_ends_on=installed_on.replace(year=installed_on.year + warranty_years),
            group=groups[group],
        )
        report.add("service objects")
        if index % 3 == 0:
            slot, replacement, reason = data.REPLACEMENTS[sku]
            on = min(installed_on + timedelta(days=400 + index * 9), today)
            _replace_in_slot(admin, obj, slot, items[replacement], f"R{serial}", reason, on)
            report.add("replacements")
        if sku == "LFT-MRL-630" and obj.bom is not None and obj.bom.version == 1 and index % 2:
            newer = catalog_selectors.bom_valid_on(obj.item_id, date(2024, 3, 1))
            equipment_services.object_upgrade_bom(
                obj=obj, to_bom=newer, by=admin, on=max(date(2024, 3, 1), installed_on)
            )
            report.add("BOM upgrades")


def _add_bom_lines(admin, bom, items, lines, parent=None) -> None:
    for position, sku, quantity, children in lines:
        line = bom_services.bom_line_add(
            bom=bom,
            by=admin,
            component_item=items[sku],
            quantity=Decimal(quantity),
            position=position,
            parent=parent,
        )
        _add_bom_lines(admin, bom, items, children, parent=line)


def _object_places(admin) -> list:
    """(customer, site) for each demo object: three at the portal customer's sites first,
    then round the other customers' sites."""
    sites = list(customer_selectors.site_list(user=admin, is_active=True).order_by("pk"))
    portal = [site for site in sites if site.customer.name == data.PORTAL_CUSTOMER]
    others = [site for site in sites if site.customer.name != data.PORTAL_CUSTOMER]
    places = [portal[i % len(portal)] for i in range(3)]
    places += [others[i % len(others)] for i in range(data.OBJECT_COUNT - len(places))]
    return [(site.customer, site) for site in places]


def _replace_in_slot(admin, obj, slot, item, serial, reason, on) -> None:
    tree = flatten(equipment_selectors.component_tree(obj, on=on))
    node = next((node for node in tree if node.slot == slot), None)
    if node is None:
        return
    equipment_services.component_replace(
        obj=obj,
        component=equipment_selectors.component_get(obj, node.id),
        by=admin,
        item=item,
        serial=serial if item.is_serialized else "",
        reason=reason,
        on=on,
    )


def _load_orders(manager, admin, report: LoadReport) -> None:
    """About 200 orders across every stage, with lines, some signed off and posted; `tech1`
    is the preferred technician of every eighth one. Stage changes are dated in the past, in
    order, as if the work had happened over the last weeks."""
    now = timezone.now()
    technicians = list(
        workforce_selectors.technician_list(user=admin, is_active=True).order_by("pk")
    )
    technicians.sort(key=lambda t: t.user.username if t.user_id else "")
    items = {item.sku: item for item in catalog_selectors.item_list(user=admin)}
    sites = list(customer_selectors.site_list(user=admin, is_active=True).order_by("pk"))
    objects_at = {}
    for obj in equipment_selectors.object_list(user=admin):
        objects_at.setdefault(obj.site_id, []).append(obj)
    reasons = {code.code: code for code in core_selectors.reason_code_list()}
    stages = {stage.code: stage for stage in order_selectors.stage_list()}
    number = 0
    for target, count in data.ORDER_STAGE_MIX:
        for _ in range(count):
            number += 1
            marker = f"(demo #{number:03d})"
            if order_selectors.order_list(user=admin, q=marker).exists():
                continue
            site = sites[(number * 7) % len(sites)]
            technician = technicians[number % len(technicians)]
            problem = data.ORDER_PROBLEMS[number % len(data.ORDER_PROBLEMS)]
            reported_at = now - timedelta(days=60 - (number * 13) % 55, hours=number % 9)
            order = order_services.order_create(
                by=manager,
                customer=site.customer,
                site=site,
                description=f"{problem} {marker}",
                priority=("low", "normal", "normal", "high", "critical")[number % 5],
                reported_at=reported_at,
                service_on=(reported_at + timedelta(days=2 + number % 10)).date(),
                preferred_technician=technician,
                objects=objects_at.get(site.pk, [])[:2],
                now=now,
            )
            _order_lines(manager, order, technician, items, objects_at.get(site.pk, [])[:1])
            at = reported_at
            signs = target == "closed" or (target == "completed" and number % 2)
            for step in data.ORDER_PATHS[target]:
                # Most orders are scheduled and started within the hour or two, some late.
                delay = data.ORDER_STEP_MINUTES[step](number)
                at = min(at + timedelta(minutes=delay), now)
                order_services.order_change_stage(
                    order=order,
                    to=stages[step],
                    by=manager,
                    reason=reasons["PARTS_MISSING"] if step == "on_hold" else None,
                    at=at,
                    now=now,
                )
                if step == "completed" and signs:
                    contact = f"{data.FIRST_NAMES[number % len(data.FIRST_NAMES)]} (on site)"
                    order_services.order_sign_off(
                        order=order, by=manager, signer_name=contact, now=now
                    )
                    if target == "closed" or number % 4 == 1:
                        order_services.order_post(order=order, by=manager, now=now)
            if target == "cancelled":
                order_services.order_cancel(
                    order=order, by=manager, reason=reasons["CUSTOMER_REQUEST"], now=now
                )
            report.add("service orders")


def _order_lines(manager, order, technician, items, objects) -> None:
    hour = items["SRV-HOUR"]
    order_services.order_line_add(
        order=order,
        by=manager,
        kind="hour",
        quantity=Decimal(1 + order.pk % 4) / Decimal(2) + Decimal(1),
        item=hour,
        technician=technician,
        description=f"Work: {order.description.split(' (demo')[0]}",
        object=objects[0] if objects else None,
    )
    part = list(items.values())[7 + order.pk % 24]
    if part.kind == "part":
        order_services.order_line_add(
            order=order, by=manager, kind="item", quantity=Decimal(1 + order.pk % 2), item=part
        )
    order_services.order_line_add(
        order=order, by=manager, kind="fee", quantity=Decimal(1), item=items["FEE-TRAVEL"]
    )


# What each demo status is reached by (an expired agreement is expired by `agreements_expire`).
AGREEMENT_STATUS_ACTIONS = {
    "draft": [],
    "active": ["activate"],
    "suspended": ["activate", "suspend"],
    "cancelled": ["activate", "cancel"],
    "expired": ["activate"],
}


def _load_agreements(manager, admin, report: LoadReport) -> None:
    """Template groups and templates, the customers' agreements in every status (the expired
    one renewed), then the orders of the active agreements for the next months, as the
    scheduled generation would make them. Dates follow today: agreements start on the first
    day of a month counted from the current one."""
    today = timezone.localdate()
    refs = {
        "task": {task.code: task for task in catalog_selectors.task_list(user=admin)},
        "item": {item.sku: item for item in catalog_selectors.item_list(user=admin)},
        "technician": {
            technician.user.username: technician
            for technician in workforce_selectors.technician_list(user=admin)
            if technician.user_id
        },
    }
    _load_templates(manager, admin, refs, today.replace(month=1, day=1), report)
    _load_customer_agreements(manager, admin, refs, today.replace(day=1), report)
    agreement_services.agreements_expire(today=today)
    result = orders_generate_from_agreements(
        date_from=today,
        date_to=today + relativedelta(months=data.AGREEMENT_GENERATION_MONTHS),
    )
    report.add("generated orders", result.orders_created)


def _line_fields(code: str, changes: dict, refs: dict) -> dict:
    """An AGREEMENT_LINES entry (with the agreement's changes) as `agreement_line_create`
    arguments."""
    fields = {**data.AGREEMENT_LINES[code], **changes}
    for name in ("task", "item"):
        if name in fields:
            fields[name] = refs[name][fields[name]]
    for name in ("quantity", "unit_price"):
        if name in fields:
            fields[name] = Decimal(fields[name])
    for name in ("earliest_time", "latest_time"):
        if name in fields:
            fields[name] = time.fromisoformat(fields[name])
    return fields


def _covered_tasks(codes, refs: dict) -> list:
    """The tasks the lines name, once each, with their notes."""
    tasks = {data.AGREEMENT_LINES[code].get("task") for code in codes} - {None}
    return [
        (refs["task"][task], *data.AGREEMENT_TASK_NOTES.get(task, ("", "")))
        for task in sorted(tasks)
    ]


def _weekday_from(day: date) -> date:
    """The day, or the Monday after it when it falls on a weekend: first visits are booked on
    weekdays (a window never moves an occurrence before its line's start)."""
    return day + timedelta(days=7 - day.weekday() if day.weekday() >= 5 else 0)


def _load_templates(manager, admin, refs: dict, starts_on: date, report: LoadReport) -> None:
    groups = {group.code: group for group in agreement_selectors.template_group_list(user=admin)}
    for code, name, parent in data.TEMPLATE_GROUPS:
        if code not in groups:
            groups[code] = agreement_services.template_group_create(
                by=admin, code=code, name=name, parent=groups[parent] if parent else None
            )
            report.add("template groups")
    existing = {
        (template.template_group_id, template.description)
        for template in agreement_selectors.agreement_list(user=admin, is_template=True)
    }
    for group, description, grouping, codes in data.AGREEMENT_TEMPLATES:
        if (groups[group].pk, description) in existing:
            continue
        template = agreement_services.agreement_create(
            by=manager,
            description=description,
            starts_on=starts_on,
            grouping=grouping,
            template_group=groups[group],
            tasks=_covered_tasks(codes, refs),
        )
        for code in codes:
            agreement_services.agreement_line_create(
                agreement=template, by=manager, **_line_fields(code, {}, refs)
            )
        report.add("agreement templates")


def _load_customer_agreements(
    manager, admin, refs: dict, this_month: date, report: LoadReport
) -> None:
    customers = {c.name: c for c in customer_selectors.customer_list(user=admin)}
    existing = {
        (agreement.customer_id, agreement.description)
        for agreement in agreement_selectors.agreement_list(user=admin, is_template=False)
        if agreement.renewed_from_id is None
    }
    objects_at = {}
    for obj in equipment_selectors.object_list(user=admin).order_by("pk"):
        objects_at.setdefault(obj.site_id, []).append(obj)
    policies = {policy.name: policy for policy in sla_selectors.policy_list(user=admin)}
    calendars = {c.name: c for c in calendar_selectors.calendar_list(user=admin)}
    technicians = refs["technician"]
    for spec in data.AGREEMENTS:
        customer = customers[spec["customer"]]
        if (customer.pk, spec["description"]) in existing:
            continue
        sites = customer_selectors.site_list(user=admin, customer_id=customer.pk).order_by("pk")
        site = list(sites)[spec.get("site", 1) - 1]
        starts_on = this_month + relativedelta(months=spec["start"])
        ends_on = None
        if spec["months"] is not None:
            ends_on = starts_on + relativedelta(months=spec["months"]) - timedelta(days=1)
        covered = [
            o
            for o in objects_at.get(site.pk, [])
            if o.group is not None and o.group.code in spec["objects"]
        ]
        agreement = agreement_services.agreement_create(
            by=manager,
            customer=customer,
            site=site,
            description=spec["description"],
            note=spec.get("note", ""),
            starts_on=starts_on,
            ends_on=ends_on,
            sla_policy=policies.get(spec.get("sla")),
            calendar=calendars.get(spec.get("calendar")),
            preferred_technician=technicians.get(spec.get("technician")),
            responsible=manager,
            grouping=spec.get("grouping", "agreement"),
            objects=[(o, *data.AGREEMENT_OBJECT_NOTES[o.group.code]) for o in covered],
            tasks=_covered_tasks([line[0] for line in spec["lines"]], refs),
        )
        for code, group, technician, offset, *changes in spec["lines"]:
            fields = _line_fields(code, changes[0] if changes else {}, refs)
            targets = [o for o in covered if o.group.code == group] if group else [None]
            for obj in targets:
                agreement_services.agreement_line_create(
                    agreement=agreement,
                    by=manager,
                    object=obj,
                    technician=technicians.get(technician),
                    starts_on=_weekday_from(starts_on + timedelta(days=offset)),
                    **fields,
                )
        status = spec.get("status", "active")
        for action in AGREEMENT_STATUS_ACTIONS[status]:
            agreement = agreement_services.agreement_change_status(
                agreement=agreement, by=manager, action=action
            )
        report.add("service agreements")
        if spec.get("renew"):
            renewal = agreement_services.agreement_renew(agreement=agreement, by=manager)
            agreement_services.agreement_change_status(
                agreement=renewal, by=manager, action="activate"
            )
            report.add("service agreements")
