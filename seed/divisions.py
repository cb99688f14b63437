"""The divisions Acme Holdings can have, in the order the profiles take them."""

from __future__ import annotations

from dataclasses import dataclass

SALES_ROLES = (("rep", 0.55), ("account_manager", 0.3), ("sales_engineer", 0.15))


@dataclass(frozen=True)
class DivisionSpec:
    """One division: its departments, where its teams sit and who works there."""

    id: str
    name: str
    pool: str  # name pool of its people
    weight: float  # share of the company's teams
    team_size: float  # relative team size
    quality: float  # shift of its teams' manager practice
    roles: tuple[tuple[str, float], ...]
    departments: tuple[tuple[str, str], ...]  # (department name, prefix of its team names)
    places: tuple[str, ...]  # team name suffixes: offices, regions, industries


def _sales(region: str) -> tuple[tuple[str, str], ...]:
    segments = ("Enterprise", "Mid-Market", "Inside Sales", "Public Sector", "Key Accounts", "Renewals", "SMB", "Solutions")
    return tuple((f"{s} {region}", s) for s in segments)


DIVISIONS: tuple[DivisionSpec, ...] = (
    DivisionSpec(
        "sales-north", "Sales North", "north", 0.3, 1.0, 0.06, SALES_ROLES, _sales("North"),
        ("Oslo", "Stockholm", "Copenhagen", "Helsinki", "Gothenburg", "Aarhus", "Bergen", "Malmö", "Hamburg",
         "Amsterdam", "Rotterdam", "Utrecht", "Tampere", "Trondheim", "Odense", "Uppsala", "Turku", "Bremen",
         "Tallinn", "Riga", "Vilnius", "Stavanger", "Aalborg", "Eindhoven"),
    ),
    DivisionSpec(
        "sales-south", "Sales South", "south", 0.3, 1.0, 0.03, SALES_ROLES, _sales("South"),
        ("Madrid", "Barcelona", "Lisbon", "Milan", "Rome", "Marseille", "Lyon", "Valencia", "Seville", "Porto",
         "Turin", "Naples", "Bologna", "Toulouse", "Nice", "Bilbao", "Málaga", "Florence", "Athens", "Zaragoza",
         "Genoa", "Bordeaux", "Montpellier", "Braga"),
    ),
    DivisionSpec(
        "customer-service", "Customer Service", "intl", 0.25, 1.25, 0.04,
        (("service_agent", 0.9), ("account_manager", 0.1)),
        (("Contact Centre", "Contact Centre"), ("Technical Support", "Support"), ("Customer Success", "Success"),
         ("Field Service", "Field Service"), ("Billing & Accounts", "Billing"), ("Escalations", "Escalations"),
         ("Onboarding Services", "Onboarding"), ("Service Desk", "Service Desk")),
        ("Dublin", "Lisbon", "Kraków", "Manchester", "Leeds", "Porto", "Gdańsk", "Cork", "Glasgow", "Brno",
         "Sofia", "Cluj", "Belfast", "Wrocław", "Bristol", "Galway", "Tier 1", "Tier 2", "Nights", "Weekends"),
    ),
    DivisionSpec(
        "marketing", "Marketing", "intl", 0.15, 0.55, -0.12, (("marketing_specialist", 1.0),),
        (("Demand Generation", "Demand Gen"), ("Field Marketing", "Field Marketing"),
         ("Marketing Operations", "Marketing Ops"), ("Product Marketing", "Product Marketing"),
         ("Brand & Content", "Content"), ("Digital Marketing", "Digital"), ("Partner Marketing", "Partner Marketing"),
         ("Events", "Events")),
        ("London", "Paris", "Berlin", "Munich", "Zurich", "Vienna", "Brussels", "Milan", "Madrid", "Stockholm",
         "Warsaw", "Prague", "Dublin", "Amsterdam", "Copenhagen", "Lisbon"),
    ),
    DivisionSpec(
        "partner-channel", "Partner Channel", "intl", 0.15, 0.9, -0.04,
        (("account_manager", 0.6), ("rep", 0.3), ("sales_engineer", 0.1)),
        (("Channel Sales", "Channel"), ("Alliances", "Alliances"), ("Distribution", "Distribution"),
         ("Resellers", "Resellers"), ("Marketplace", "Marketplace"), ("OEM Partners", "OEM"),
         ("Referral Partners", "Referral"), ("Partner Success", "Partner Success")),
        ("Benelux", "DACH", "Iberia", "Nordics", "UK & Ireland", "France", "Italy", "CEE", "Baltics", "Adriatic",
         "Alps", "Balkans", "Greece", "Turkey", "Middle East", "Africa"),
    ),
    DivisionSpec(
        "enterprise-accounts", "Enterprise Accounts", "intl", 0.2, 0.9, 0.0,
        (("account_manager", 0.5), ("sales_engineer", 0.25), ("rep", 0.25)),
        (("Global Accounts", "Global Accounts"), ("Strategic Accounts", "Strategic"), ("Financial Services", "FS"),
         ("Industry & Energy", "Industry"), ("Health & Life Sciences", "Health"), ("Retail & Consumer", "Retail"),
         ("Telecom & Media", "Telecom"), ("Government", "Government")),
        ("Banking", "Insurance", "Automotive", "Energy", "Utilities", "Pharma", "Hospitals", "Grocery", "Fashion",
         "Telecom", "Broadcast", "Logistics", "Aerospace", "Chemicals", "Defence", "Education"),
    ),
)
