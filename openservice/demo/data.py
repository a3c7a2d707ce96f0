"""The demo company: lift and HVAC maintenance around Helsinki, Espoo and Vantaa.

Plain data only; `openservice.demo.loader` turns it into records through the services.
Coordinates are real-looking points in each town; every site is in Europe/Helsinki.
"""

from datetime import date
from decimal import Decimal

AGREEMENT_GROUPS = [
    ("GOLD", "Gold", "24/7 response, 4-hour critical response, two preventive visits a year."),
    ("SILVER", "Silver", "Business-hours response, next-day critical response."),
    ("BRONZE", "Bronze", "Best-effort response on business days."),
]

SKILLS = [
    ("LIFT", "Lift maintenance", "Traction and hydraulic lifts, doors and controllers."),
    ("ESC", "Escalators", "Escalators and moving walks."),
    ("HVAC", "HVAC", "Air handling units, ventilation and heat recovery."),
    ("COOL", "Refrigeration", "Chillers, heat pumps and F-gas work (certified)."),
    ("ELEC", "Electrical", "Low-voltage electrical work (SFS 6002)."),
    ("AUTO", "Building automation", "BMS controllers, sensors and remote monitoring."),
]

TEAMS = [
    ("LIFTS", "Lifts team", "manager"),
    ("HVAC", "HVAC team", "manager"),
]

# username, full name, team, phone, home (lat, lon), hourly cost, skills {code: level}
TECHNICIANS = [
    (
        "tech1",
        "Mikko Virtanen",
        "LIFTS",
        "+358 40 710 2201",
        ("60.228100", "24.886500"),
        "42.00",
        {"LIFT": 5, "ESC": 3, "ELEC": 3},
    ),
    (
        "tech2",
        "Jussi Korhonen",
        "LIFTS",
        "+358 40 710 2202",
        ("60.213400", "24.810200"),
        "39.50",
        {"LIFT": 4, "ELEC": 2},
    ),
    (
        "tech3",
        "Aino Mäkinen",
        "LIFTS",
        "+358 40 710 2203",
        ("60.295600", "25.041800"),
        "40.00",
        {"LIFT": 3, "ESC": 4, "AUTO": 2},
    ),
    (
        "tech4",
        "Petri Nieminen",
        "LIFTS",
        "+358 40 710 2204",
        ("60.187900", "24.958700"),
        "37.00",
        {"LIFT": 2, "ELEC": 4},
    ),
    (
        "tech5",
        "Laura Hämäläinen",
        "HVAC",
        "+358 40 710 2205",
        ("60.205500", "24.655900"),
        "41.00",
        {"HVAC": 5, "COOL": 4, "AUTO": 3},
    ),
    (
        "tech6",
        "Antti Laine",
        "HVAC",
        "+358 40 710 2206",
        ("60.261300", "24.853600"),
        "38.50",
        {"HVAC": 4, "ELEC": 3},
    ),
    (
        "tech7",
        "Sanna Heikkinen",
        "HVAC",
        "+358 40 710 2207",
        ("60.310300", "25.081400"),
        "39.00",
        {"HVAC": 3, "COOL": 5},
    ),
    (
        "tech8",
        "Ville Koskinen",
        "HVAC",
        "+358 40 710 2208",
        ("60.171200", "24.732900"),
        "36.00",
        {"HVAC": 2, "AUTO": 4, "ELEC": 2},
    ),
]

# sku, name, kind, unit, sales price, cost price, serialized
ITEMS = [
    (
        "LFT-MRL-630",
        "Machine-room-less lift, 630 kg",
        "product",
        "pcs",
        "48500.00",
        "36200.00",
        True,
    ),
    ("LFT-HYD-1000", "Hydraulic lift, 1000 kg", "product", "pcs", "39800.00", "29900.00", True),
    ("ESC-30-1000", "Escalator 30°, 1000 mm step", "product", "pcs", "121000.00", "93000.00", True),
    ("AHU-3000", "Air handling unit 3000 m³/h", "product", "pcs", "14200.00", "10400.00", True),
    ("AHU-8000", "Air handling unit 8000 m³/h", "product", "pcs", "27900.00", "20800.00", True),
    ("HP-AW-16", "Air-to-water heat pump 16 kW", "product", "pcs", "9600.00", "7100.00", True),
    ("CHL-120", "Chiller 120 kW", "product", "pcs", "38700.00", "29300.00", True),
    ("LFT-DRV-11", "Lift inverter drive 11 kW", "part", "pcs", "2450.00", "1620.00", True),
    ("LFT-CTRL-B", "Lift controller board", "part", "pcs", "1180.00", "760.00", True),
    ("LFT-DOOR-OP", "Landing door operator", "part", "pcs", "890.00", "560.00", True),
    ("LFT-ROPE-10", "Suspension rope 10 mm", "part", "m", "14.80", "8.90", False),
    ("LFT-ROLLER", "Door roller set", "part", "set", "64.00", "31.00", False),
    ("LFT-LIGHTC", "Light curtain, pair", "part", "pcs", "410.00", "245.00", False),
    ("LFT-BTN", "Car operating button", "part", "pcs", "38.00", "17.50", False),
    ("LFT-BRAKE", "Brake lining kit", "part", "set", "325.00", "190.00", False),
    ("LFT-OIL-46", "Hydraulic oil VG46", "part", "l", "9.40", "4.80", False),
    ("ESC-STEP", "Escalator step", "part", "pcs", "520.00", "330.00", False),
    ("ESC-HANDRAIL", "Escalator handrail", "part", "m", "96.00", "58.00", False),
    ("ESC-COMB", "Comb plate segment", "part", "pcs", "72.00", "39.00", False),
    ("AHU-FLT-F7", "Bag filter F7 592x592", "part", "pcs", "38.50", "17.20", False),
    ("AHU-FLT-G4", "Panel filter G4 592x592", "part", "pcs", "12.90", "5.40", False),
    ("AHU-BELT-SPA", "V-belt SPA 1250", "part", "pcs", "24.00", "10.50", False),
    ("AHU-FAN-EC", "EC fan motor 2.5 kW", "part", "pcs", "1380.00", "910.00", True),
    ("AHU-HRW-MOT", "Heat recovery wheel motor", "part", "pcs", "430.00", "260.00", False),
    ("HVAC-DMP-ACT", "Damper actuator 24 V", "part", "pcs", "186.00", "104.00", False),
    ("HVAC-TS-PT1000", "Duct temperature sensor PT1000", "part", "pcs", "54.00", "23.00", False),
    ("HVAC-PS-DP", "Differential pressure switch", "part", "pcs", "68.00", "31.00", False),
    ("COOL-R32", "Refrigerant R32", "part", "kg", "78.00", "41.00", False),
    ("COOL-FDRY", "Filter drier", "part", "pcs", "46.00", "21.00", False),
    ("HP-CIRC-PMP", "Circulation pump", "part", "pcs", "295.00", "170.00", True),
    ("AUTO-DDC", "DDC controller", "part", "pcs", "960.00", "610.00", True),
    ("AUTO-GW", "Remote monitoring gateway", "part", "pcs", "540.00", "330.00", True),
    ("SRV-HOUR", "Service technician hour", "service", "h", "89.00", "40.00", False),
    ("SRV-HOUR-OT", "Service technician hour, overtime", "service", "h", "133.50", "60.00", False),
    (
        "SRV-INSP",
        "Statutory lift inspection assistance",
        "service",
        "pcs",
        "240.00",
        "95.00",
        False,
    ),
    ("SRV-FGAS", "F-gas leak check", "service", "pcs", "165.00", "70.00", False),
    ("FEE-TRAVEL", "Travel fee, capital region", "fee", "pcs", "45.00", "0.00", False),
    ("FEE-CALLOUT", "Emergency call-out fee", "fee", "pcs", "180.00", "0.00", False),
    ("FEE-WASTE", "Waste handling fee", "fee", "pcs", "18.00", "0.00", False),
    ("FEE-SMALLPARTS", "Small parts and consumables", "fee", "pcs", "12.00", "0.00", False),
]

# code, name, minutes, {skill: minimum level}, internal note, external note
TASKS = [
    (
        "LIFT-PM",
        "Lift preventive maintenance",
        90,
        {"LIFT": 2},
        "Follow the manufacturer's checklist; log rope wear.",
        "Scheduled maintenance of your lift. The lift is out of use for about an hour.",
    ),
    (
        "LIFT-INSP",
        "Annual lift inspection assistance",
        180,
        {"LIFT": 3},
        "Meet the inspector on site; bring test weights.",
        "Assistance for the statutory annual inspection.",
    ),
    (
        "LIFT-FAULT",
        "Lift fault repair",
        120,
        {"LIFT": 3, "ELEC": 2},
        "Check the fault log before arrival.",
        "Repair of a reported lift fault.",
    ),
    (
        "LIFT-RESCUE",
        "Passenger release",
        45,
        {"LIFT": 2},
        "Emergency: go straight to site.",
        "Release of passengers from a stopped lift.",
    ),
    (
        "ESC-PM",
        "Escalator preventive maintenance",
        150,
        {"ESC": 3},
        "Barrier both landings before opening.",
        "Scheduled maintenance of your escalator.",
    ),
    (
        "AHU-FILTER",
        "Air handling unit filter change",
        60,
        {"HVAC": 1},
        "Record the pressure drop before and after.",
        "Filter change for your ventilation unit.",
    ),
    (
        "AHU-PM",
        "Air handling unit annual service",
        240,
        {"HVAC": 3, "ELEC": 1},
        "Belts, bearings, heat recovery and dampers.",
        "Annual service of your ventilation unit.",
    ),
    (
        "COOL-FGAS",
        "F-gas leak check",
        90,
        {"COOL": 3},
        "Certified technician only; update the equipment log.",
        "Statutory refrigerant leak check.",
    ),
    (
        "BMS-CHECK",
        "Building automation check",
        60,
        {"AUTO": 2},
        "Check alarms, trends and remote connection.",
        "Check of your building automation.",
    ),
    (
        "HP-PM",
        "Heat pump service",
        120,
        {"COOL": 2, "HVAC": 2},
        "Clean the evaporator; check the circulation pump.",
        "Annual service of your heat pump.",
    ),
]

# Street names per town with a reference point; sites are placed around these.
TOWNS = {
    "Helsinki": (
        "00100",
        Decimal("60.169900"),
        Decimal("24.938400"),
        [
            "Mannerheimintie",
            "Hämeentie",
            "Aleksanterinkatu",
            "Mechelininkatu",
            "Sörnäisten rantatie",
            "Itämerenkatu",
            "Mäkelänkatu",
            "Lauttasaarentie",
        ],
    ),
    "Espoo": (
        "02100",
        Decimal("60.205500"),
        Decimal("24.655900"),
        [
            "Tapiolantie",
            "Leppävaarankatu",
            "Otaniementie",
            "Kauppamiehentie",
            "Espoonkatu",
            "Matinkatu",
            "Piispansilta",
        ],
    ),
    "Vantaa": (
        "01300",
        Decimal("60.293400"),
        Decimal("25.037800"),
        [
            "Tikkurilantie",
            "Myyrmäentie",
            "Vantaanportinkatu",
            "Lentoasemantie",
            "Kielotie",
            "Martinlaaksontie",
        ],
    ),
}

# name, group, towns of its sites (one site per entry), contacts [(name, role, email, phone)]
CUSTOMERS = [
    ("Kiinteistö Oy Tapiolan Torni", "GOLD", ["Espoo", "Espoo"]),
    ("As Oy Helsingin Merikatu 12", "SILVER", ["Helsinki"]),
    ("Vantaan Logistiikkakeskus Oy", "GOLD", ["Vantaa", "Vantaa"]),
    ("Kauppakeskus Ainoa Oy", "GOLD", ["Espoo"]),
    ("As Oy Leppävaaran Kulma", "BRONZE", ["Espoo"]),
    ("Helsingin Hotellikiinteistöt Oy", "GOLD", ["Helsinki", "Helsinki", "Helsinki"]),
    ("Tikkurilan Terveystalo Oy", "SILVER", ["Vantaa"]),
    ("Otaniemen Tutkimustilat Oy", "SILVER", ["Espoo", "Espoo"]),
    ("As Oy Kalliolan Helmi", "BRONZE", ["Helsinki"]),
    ("Myyrmäen Palvelutalo Oy", "SILVER", ["Vantaa"]),
    ("Kiinteistö Oy Ruoholahden Portti", "GOLD", ["Helsinki"]),
    ("Espoon Kaupunkikiinteistöt", "GOLD", ["Espoo", "Espoo", "Espoo"]),
    ("As Oy Vallilan Puisto", "BRONZE", ["Helsinki"]),
    ("Aviapolis Toimitilat Oy", "SILVER", ["Vantaa", "Vantaa"]),
    ("Matinkylän Asunnot Oy", "BRONZE", ["Espoo"]),
    ("Kamppi Business Center Oy", "GOLD", ["Helsinki"]),
    ("Martinlaakson Seurakuntakeskus", "BRONZE", ["Vantaa"]),
    ("As Oy Lauttasaaren Ranta", "SILVER", ["Helsinki"]),
    ("Keilaniemen Toimistot Oy", "GOLD", ["Espoo"]),
    ("Vantaan Energia-areena Oy", "SILVER", ["Vantaa"]),
    ("As Oy Töölön Tähti", "BRONZE", ["Helsinki"]),
    ("Pasilan Konepaja Kiinteistöt Oy", "SILVER", ["Helsinki", "Helsinki"]),
    ("Kivistön Koulukeskus", "SILVER", ["Vantaa"]),
    ("As Oy Espoonlahden Satama", "BRONZE", ["Espoo"]),
    ("Sörnäisten Datakeskus Oy", "GOLD", ["Helsinki"]),
    ("Leppävaaran Urheilupuisto Oy", "BRONZE", ["Espoo"]),
    ("Koivukylän Vuokratalot Oy", "BRONZE", ["Vantaa", "Vantaa"]),
    ("Arabianrannan Taidekiinteistöt Oy", "SILVER", ["Helsinki"]),
    ("Niittykummun Liikekeskus Oy", "SILVER", ["Espoo"]),
    ("Jumbo Kauppakiinteistöt Oy", "GOLD", ["Vantaa"]),
]

FIRST_NAMES = [
    "Anna",
    "Juha",
    "Kaisa",
    "Timo",
    "Riikka",
    "Markku",
    "Heidi",
    "Janne",
    "Minna",
    "Pekka",
    "Tiina",
    "Sami",
    "Elina",
    "Tommi",
    "Satu",
]
LAST_NAMES = [
    "Lehtonen",
    "Salminen",
    "Järvinen",
    "Lindholm",
    "Kettunen",
    "Rantanen",
    "Ahonen",
    "Tuominen",
    "Savolainen",
    "Lindqvist",
    "Karjalainen",
    "Peltonen",
]
CONTACT_ROLES = [
    "Property manager",
    "Maintenance supervisor",
    "Facility manager",
    "Chair of the board",
]

# The customer whose contact logs in as `customer1` (must be active and have two sites or more).
PORTAL_CUSTOMER = "Kiinteistö Oy Tapiolan Torni"

USERS = [
    # username, first, last, role, is_staff
    ("manager", "Maria", "Manninen", "Service manager", True),
    ("dispatcher", "Daniel", "Sjöberg", "Dispatcher", False),
    ("admin", "Ada", "Admin", "Administrator", True),
]
PASSWORD = "demo"

# Object groups: code, name
OBJECT_GROUPS = [
    ("LIFT", "Passenger lifts"),
    ("ESC", "Escalators"),
    ("AHU", "Air handling units"),
    ("HP", "Heat pumps"),
    ("CHL", "Chillers"),
]

# BOM versions per item: (valid_from, valid_to, [(position, sku, quantity, [nested lines])])
# Dates are ISO strings; None is open-ended. The drive's own BOM expands inside every lift.
BOMS = {
    "LFT-DRV-11": [
        (None, None, [("CTRL", "LFT-CTRL-B", "1", []), ("BRK", "LFT-BRAKE", "1", [])]),
    ],
    "LFT-MRL-630": [
        (
            None,
            "2023-12-31",
            [
                ("DRV", "LFT-DRV-11", "1", []),
                ("DOOR", "LFT-DOOR-OP", "2", [("ROLL", "LFT-ROLLER", "1", [])]),
                ("LC", "LFT-LIGHTC", "1", []),
                ("ROPE", "LFT-ROPE-10", "36", []),
                ("COP", "LFT-BTN", "8", []),
            ],
        ),
        (
            "2024-01-01",
            None,
            [
                ("DRV", "LFT-DRV-11", "1", []),
                ("DOOR", "LFT-DOOR-OP", "2", [("ROLL", "LFT-ROLLER", "1", [])]),
                ("LC", "LFT-LIGHTC", "1", []),
                ("ROPE", "LFT-ROPE-10", "36", []),
                ("COP", "LFT-BTN", "8", []),
                ("GW", "AUTO-GW", "1", []),
            ],
        ),
    ],
    "LFT-HYD-1000": [
        (
            None,
            "2022-12-31",
            [
                ("CTRL", "LFT-CTRL-B", "1", []),
                ("DOOR", "LFT-DOOR-OP", "2", []),
                ("OIL", "LFT-OIL-46", "120", []),
            ],
        ),
        (
            "2023-01-01",
            None,
            [
                ("CTRL", "LFT-CTRL-B", "1", []),
                ("DOOR", "LFT-DOOR-OP", "2", []),
                ("OIL", "LFT-OIL-46", "120", []),
                ("LC", "LFT-LIGHTC", "1", []),
            ],
        ),
    ],
    "ESC-30-1000": [
        (
            None,
            None,
            [
                ("STEP", "ESC-STEP", "12", []),
                ("RAIL", "ESC-HANDRAIL", "24", []),
                ("COMB", "ESC-COMB", "4", []),
            ],
        ),
    ],
    "AHU-3000": [
        (
            None,
            "2022-12-31",
            [
                ("FAN", "AHU-FAN-EC", "1", []),
                ("FLT", "AHU-FLT-F7", "2", []),
                ("BELT", "AHU-BELT-SPA", "2", []),
                ("HRW", "AHU-HRW-MOT", "1", []),
                ("TS", "HVAC-TS-PT1000", "2", []),
            ],
        ),
        (
            "2023-01-01",
            None,
            [
                ("FAN", "AHU-FAN-EC", "1", []),
                ("FLT", "AHU-FLT-F7", "2", []),
                ("HRW", "AHU-HRW-MOT", "1", []),
                ("TS", "HVAC-TS-PT1000", "3", []),
                ("DMP", "HVAC-DMP-ACT", "2", []),
            ],
        ),
    ],
    "AHU-8000": [
        (
            None,
            None,
            [
                ("FAN", "AHU-FAN-EC", "2", []),
                ("FLT", "AHU-FLT-F7", "4", []),
                ("HRW", "AHU-HRW-MOT", "1", []),
                ("DMP", "HVAC-DMP-ACT", "2", []),
                ("TS", "HVAC-TS-PT1000", "3", []),
                ("PS", "HVAC-PS-DP", "2", []),
            ],
        ),
    ],
    "HP-AW-16": [
        (
            None,
            "2023-06-30",
            [
                ("PMP", "HP-CIRC-PMP", "1", []),
                ("FD", "COOL-FDRY", "1", []),
                ("CTRL", "AUTO-DDC", "1", []),
            ],
        ),
        (
            "2023-07-01",
            None,
            [
                ("PMP", "HP-CIRC-PMP", "1", []),
                ("FD", "COOL-FDRY", "1", []),
                ("CTRL", "AUTO-DDC", "1", []),
                ("GW", "AUTO-GW", "1", []),
            ],
        ),
    ],
    "CHL-120": [
        (
            None,
            None,
            [
                ("FD", "COOL-FDRY", "2", []),
                ("CTRL", "AUTO-DDC", "1", []),
                ("PMP", "HP-CIRC-PMP", "2", []),
            ],
        ),
    ],
}

# Installed models, cycled over the customers' sites: (sku, group, serial prefix, warranty years)
OBJECT_MODELS = [
    ("LFT-MRL-630", "LIFT", "KM", 2),
    ("AHU-3000", "AHU", "AH", 2),
    ("LFT-HYD-1000", "LIFT", "HY", 2),
    ("AHU-8000", "AHU", "AX", 3),
    ("HP-AW-16", "HP", "HP", 5),
    ("ESC-30-1000", "ESC", "ES", 2),
    ("CHL-120", "CHL", "CH", 3),
]
OBJECT_COUNT = 60
# Past replacements: (model sku, slot to replace, replacement sku, reason)
REPLACEMENTS = {
    "LFT-MRL-630": ("DOOR", "LFT-DOOR-OP", "Door operator worn out"),
    "LFT-HYD-1000": ("CTRL", "LFT-CTRL-B", "Controller board failure after a power surge"),
    "AHU-3000": ("FAN", "AHU-FAN-EC", "Fan bearing noise"),
    "AHU-8000": ("FAN", "AHU-FAN-EC", "Fan motor burnt"),
    "HP-AW-16": ("PMP", "HP-CIRC-PMP", "Circulation pump leaking"),
    "ESC-30-1000": ("COMB", "ESC-COMB", "Broken comb teeth"),
    "CHL-120": ("FD", "COOL-FDRY", "Filter drier clogged"),
}

# Service orders: how many end up in each stage (about 200 in all).
ORDER_STAGE_MIX = [
    ("new", 30),
    ("scheduled", 40),
    ("in_progress", 25),
    ("on_hold", 15),
    ("completed", 40),
    ("closed", 35),
    ("cancelled", 15),
]
# The path from the initial stage to each stage (cancelled: cancelled from the listed stage).
ORDER_PATHS = {
    "new": [],
    "scheduled": ["scheduled"],
    "in_progress": ["scheduled", "in_progress"],
    "on_hold": ["scheduled", "in_progress", "on_hold"],
    "completed": ["scheduled", "in_progress", "completed"],
    "closed": ["scheduled", "in_progress", "completed", "closed"],
    "cancelled": ["scheduled"],
}
ORDER_PROBLEMS = [
    "Lift stops between floors",
    "Landing door does not close",
    "Annual maintenance visit",
    "Ventilation noisy in the stairwell",
    "Supply air too warm",
    "Heat pump error code E4",
    "Escalator handrail slipping",
    "Filter change and inspection",
    "Alarm from remote monitoring",
    "Light curtain fault",
    "Chiller leak check",
    "Door operator replacement",
]

# Work calendar: the office's hours in Finland, Finnish public holidays, a company day off.
WEEKDAY_HOURS = [["08:00", "11:30"], ["12:00", "16:00"]]  # 8-16 with a half-hour lunch
CALENDARS = [
    {
        "name": "Finland office hours",
        "timezone": "Europe/Helsinki",
        "hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), WEEKDAY_HOURS),
        "holiday_country": "FI",
        "closed_days": [date(2027, 1, 7)],
        "open_days": [{"on": date(2027, 1, 9), "hours": [["09:00", "13:00"]]}],
        "is_default": True,
    },
    {
        "name": "Round the clock",
        "timezone": "Europe/Helsinki",
        "hours": {
            day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
        "holiday_country": None,
        "closed_days": [],
        "open_days": [],
        "is_default": False,
    },
]
# SLA policies: (name, calendar, warning %, is default, agreement group, targets per priority as
# (response minutes, resolution minutes)).
SLA_POLICIES = [
    (
        "Gold",
        "Round the clock",
        75,
        False,
        "GOLD",
        {"critical": (60, 240), "high": (120, 480), "normal": (240, 1440), "low": (480, 2880)},
    ),
    (
        "Silver",
        "Finland office hours",
        75,
        False,
        "SILVER",
        {"critical": (120, 480), "high": (240, 960), "normal": (480, 1920), "low": (960, 4800)},
    ),
    (
        "Bronze",
        "Finland office hours",
        80,
        True,
        "BRONZE",
        {"critical": (240, 960), "high": (480, 1920), "normal": (960, 4800), "low": (1920, 9600)},
    ),
]
# Fresh orders whose SLA is in each live state when the demo is loaded: (state, priority, problem).
SLA_SHOWCASE = [
    ("on_track", "normal", "Lift door sensor intermittent"),
    ("at_risk", "high", "Lift out of service, residents waiting"),
    ("paused", "normal", "Heat pump compressor, waiting for the part"),
    ("met", "critical", "Passenger trapped, released"),
    ("sla_cancelled", "low", "Customer reports noise, SLA waived by agreement"),
]
# Minutes from the previous step to each step of a demo order (varying with the order's number):
# most are scheduled and started promptly, every seventh late, and work takes hours to days.
ORDER_STEP_MINUTES = {
    "scheduled": lambda n: 10 + (n * 7) % 50,
    "in_progress": lambda n: 20 + (n * 13) % 70 + (600 if n % 7 == 0 else 0),
    "on_hold": lambda n: 60 + (n * 11) % 240,
    "completed": lambda n: 120 + (n * 17) % 1500,
    "closed": lambda n: 240 + (n * 5) % 2000,
}
