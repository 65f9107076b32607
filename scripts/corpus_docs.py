"""Document templates of the course corpus (see ``corpus_facts.py`` for the facts they state).

Every renderer takes a :class:`Ctx` (the KB version and a value lookup) and returns
``(title, updated, access, groups, body)``. Values come from the fact tables, so a change in
version 2 shows up in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from corpus_facts import (
    BANDS,
    ERROR_CODES,
    FIRMWARE,
    INCIDENTS,
    OFFICES,
    PLANS,
    PRODUCTS,
    RETURNS,
    ROLES,
    SHIPPING,
    SLA,
    WARRANTY,
)


def pick(value, version: str):
    """The value of a fact in ``version``: ``(v1, v2)`` pairs change, plain values do not."""
    if isinstance(value, tuple):
        return value[0] if version == "v1" else value[1]
    return value


@dataclass
class Ctx:
    version: str

    def v(self, value):
        return pick(value, self.version)

    @property
    def v2(self) -> bool:
        return self.version == "v2"


PUBLIC = ("public", ["everyone"])
INTERNAL = ("internal", ["staff"])

# --------------------------------------------------------------------------------------------------
# products

FAMILY_TEXT = {
    "ostrel": dict(
        kind="indoor air quality monitor",
        sensors="a laser particle counter (PM1, PM2.5 and PM10), a non-dispersive infrared CO2 cell, a metal-oxide "
                "VOC sensor and a combined temperature and humidity sensor",
        box=["the monitor", "a 1.2 m USB-C cable", "a magnetic desk stand", "a printed quick-start card"],
        care="Wipe the housing with a dry cloth. Do not spray cleaning products near the intake grille; solvents "
             "poison the VOC sensor for several days. Ostrel monitors need periodic calibration, described in the "
             "calibration guide.",
        uses=["Classrooms, where the ring nudges teachers to open a window when CO2 rises",
              "Open-plan offices and meeting rooms that need a documented air quality record",
              "Homes near busy roads, to see when particle levels peak during the day"],
        faq=[("Does it need a cloud subscription?", "No. The app shows live values and the last readings without one; "
              "long-term history and alerts need a Quorvane Cloud plan."),
             ("Can it run on battery permanently?", "The battery is meant for moving the monitor between rooms. For "
              "continuous use, keep it on the USB-C cable."),
             ("Why does the CO2 value jump after I breathe near it?", "The sensor is sensitive on purpose; place the "
              "monitor at least one metre from where people sit.")],
        compat="Ostrel monitors pair with the Quorvane mobile app and stream to Quorvane Cloud over 2.4 GHz Wi-Fi "
               "or through a Quorvane gateway.",
    ),
    "pivra": dict(
        kind="outdoor weather station",
        sensors="an ultrasonic anemometer, a self-emptying tipping rain gauge, a barometric pressure sensor, a "
                "shielded temperature and humidity probe and a UV index sensor",
        box=["the station head", "a galvanised mounting pole clamp", "a solar charging panel",
             "an installation template", "four stainless steel bolts"],
        care="Clear leaves from the rain funnel once a month and check the solar panel for snow in winter. "
             "Installation height and clearance rules are in the Pivra installation guide.",
        uses=["Farms and vineyards that schedule spraying around wind and rain",
              "Schools that teach weather and climate with their own data",
              "Municipal networks that map rainfall across a town"],
        faq=[("Does the station need mains power?", "No. The solar panel charges the internal battery; in dark "
              "winters the battery bridges several cloudy days."),
             ("How accurate is the wind measurement?", "The ultrasonic anemometer has no moving parts, so it does "
              "not wear out or freeze the way cup anemometers do."),
             ("Can I share my data publicly?", "Yes. Quorvane Cloud can publish a read-only public page for any "
              "station.")],
        compat="Pivra stations report to Quorvane Cloud through a Quorvane gateway or directly over LTE-M where "
               "a data plan is active.",
    ),
    "kestmoor": dict(
        kind="wireless data logger",
        sensors="a calibrated temperature probe, a relative humidity sensor and a three-axis shock sensor",
        box=["the logger", "a replaceable lithium cell", "a wall bracket", "two cable ties"],
        care="Replace the lithium cell when the app reports less than ten percent charge. Loggers can be "
             "disinfected with isopropyl alcohol wipes.",
        uses=["Pharmacies and clinics that must prove vaccines stayed cold",
              "Food distributors that log temperature during transport",
              "Museums and archives that watch humidity around sensitive objects"],
        faq=[("Do the loggers need a gateway?", "No. A phone with the Quorvane app collects the readings when it "
              "comes within range; a gateway makes the upload automatic."),
             ("Are the readings accepted by auditors?", "Each logger ships with a calibration certificate and the "
              "exported reports include the certificate number."),
             ("Can I change the cell myself?", "Yes. Open the back cover with a coin; no tools are needed.")],
        compat="Kestmoor loggers upload over Bluetooth Low Energy to the Quorvane mobile app or to any Quorvane "
               "gateway in range.",
    ),
}

PRODUCT_INTRO = {
    "ostrel-a2": "The Ostrel A2 is our entry-level {kind} for homes, classrooms and small offices. It shows a "
                 "traffic-light air score on its front ring and keeps a detailed history in the app.",
    "ostrel-a2-pro": "The Ostrel A2 Pro builds on the A2 with an e-paper display, a louder alarm and support for "
                     "scheduled reports. It is aimed at offices and clinics that need documented air quality.",
    "ostrel-a3": "The Ostrel A3 is the flagship {kind}. A redesigned airflow path and a faster particle counter "
                 "make it suitable for laboratories, gyms and open-plan offices with many occupants.",
    "pivra-w1": "The Pivra W1 is a compact {kind} for gardens, allotments and schools. It measures wind, rain, "
                "pressure, temperature, humidity and UV from a single head.",
    "pivra-w1-plus": "The Pivra W1 Plus adds a heated rain gauge and a larger solar panel to the W1, so it keeps "
                     "reporting through snowy winters.",
    "pivra-w5": "The Pivra W5 is our professional {kind} for farms, vineyards and municipal networks. It is sold "
                "to business customers only and is covered by the business returns policy.",
    "kestmoor-k10": "The Kestmoor K10 is a small {kind} for fridges, store rooms and shipments. It is the lowest "
                    "cost way to keep a temperature record that auditors accept.",
    "kestmoor-k20": "The Kestmoor K20 adds a humidity sensor and a longer-lasting cell to the K10 and is the usual "
                    "choice for pharmacies and food distribution.",
    "kestmoor-k20-marine": "The Kestmoor K20 Marine is a sealed variant of the K20 for boats, harbours and "
                           "offshore containers. It is sold to business customers only and falls under the "
                           "business returns policy.",
}

SPEC_LABELS = dict(price="List price", weight="Weight", battery="Battery life", interval="Sampling interval",
                   sku="SKU", range="Wireless range", storage="Internal storage", launch="Launched")


def product_doc(doc_id: str, c: Ctx):
    name, family, attrs = PRODUCTS[doc_id]
    f = FAMILY_TEXT[family]
    a = {k: c.v(v) for k, v in attrs.items()}
    rows = [
        ("SKU", a["sku"]),
        ("List price", f"{a['price']} (excluding VAT)"),
        ("Weight", a["weight"]),
        ("Battery life", f"{a['battery']} on a full charge"),
        ("Sampling interval", f"one reading every {a['interval']}"),
        ("Wireless range", f"{a['range']} in open air"),
        ("Internal storage", f"{a['storage']} of readings when offline"),
        ("Launched", a["launch"]),
    ]
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    box = "\n".join(f"- {item}" for item in f["box"])
    uses = "\n".join(f"- {item}" for item in f["uses"])
    faq = "\n\n".join(f"**{q}** {a_}" for q, a_ in f["faq"])
    body = f"""# {name}

## Overview

{PRODUCT_INTRO[doc_id].format(kind=f['kind'])}

## Specifications

| Specification | {name} |
|---|---|
{table}

Prices are list prices in US dollars for direct orders; resellers set their own prices. Schools and
businesses that need many units can ask a reseller partner for a project quote; the reseller
programme page explains how to find one near you.

## Sensors

The {name} carries {f['sensors']}. All sensors are sampled together, so every stored reading has the
same time stamp across channels.

## In the box

{box}

## Compatibility

{f['compat']} Readings stored on the device while it is offline are uploaded automatically once the
connection returns, oldest first.

## Care and maintenance

{f['care']}

## Typical uses

{uses}

## Frequently asked questions

{faq}
"""
    return f"{name} product specification", "2024-09-30" if not c.v2 else "2025-03-17", *PUBLIC, body


# --------------------------------------------------------------------------------------------------
# cloud plans

PLAN_INTRO = {
    "Sprout": "Sprout is the starter plan for households, hobbyists and single classrooms.",
    "Canopy": "Canopy is designed for small businesses with a handful of sites.",
    "Grove": "Grove suits multi-site organisations such as school districts and retail chains.",
    "Forest": "Forest is the enterprise plan for utilities, municipalities and large estates.",
}


def plan_doc(doc_id: str, c: Ctx):
    name, attrs = PLANS[doc_id]
    a = {k: c.v(v) for k, v in attrs.items()}
    body = f"""# Quorvane Cloud {name} plan

## Who it is for

{PLAN_INTRO[name]} Every Quorvane Cloud plan includes dashboards, e-mail alerts, the mobile app and CSV
export; the plans differ in scale, history and support.

## Plan limits

- **Price:** {a['plan_price']}, billed monthly or yearly
- **Connected devices:** up to {a['plan_devices']}
- **Data retention:** {a['plan_retention']} of full-resolution history
- **Included users:** {a['plan_users']}
- **API rate limit:** {a['plan_api']}

## Support

The {name} plan includes the {a['plan_tier']} support tier. Response times and opening hours of each
tier are described in the support tier documents.

## Upgrading and downgrading

You can change plan at any time from the billing page. Upgrades take effect immediately and are
charged pro rata; downgrades take effect at the end of the current billing period. If the new plan
allows fewer devices than you have connected, the newest devices are paused until you remove some.

## What counts as a device

Every Ostrel monitor, Pivra station and Kestmoor logger that has sent data in the last thirty days
counts as a connected device. Gateways do not count. Devices you archive stop counting immediately,
and their history stays available until the retention period ends.

## Billing

Plans are billed in advance, by card or, for yearly billing, by invoice. Prices exclude VAT. You can
download every invoice from the billing page.
"""
    return f"Quorvane Cloud {name} plan", "2024-11-04" if not c.v2 else "2025-03-17", *PUBLIC, body


# --------------------------------------------------------------------------------------------------
# warranty, returns, shipping, support tiers


def warranty_doc(doc_id: str, c: Ctx):
    code, phrase, area, attrs = WARRANTY[doc_id]
    a = {k: c.v(v) for k, v in attrs.items()}
    body = f"""# Limited hardware warranty ({code})

## Scope

This warranty applies to Ostrel, Pivra and Kestmoor devices bought new from Quorvane or an authorised
reseller in {area}. It does not cover consumables such as lithium cells, calibration gas or mounting
hardware, and it does not cover damage from misuse, lightning strikes or unauthorised repairs.

## Warranty period

Devices bought {phrase} are covered for **{a['w_length']}** from the date of delivery.

## Registration

Register the device in the Quorvane app or on the warranty portal within {a['w_register']} of purchase.
Unregistered devices are still covered, but you will need to show the original invoice for every claim.

## Making a claim

1. Open a warranty case from the support portal and attach the serial number and a photo of the fault.
2. Wait for the return authorisation e-mail and ship the device with the prepaid label.
3. Quorvane repairs or replaces the device; the repair turnaround is {a['w_turnaround']} from the day the
   device arrives at our service centre.

Replacement devices carry the remainder of the original warranty period.

## Your statutory rights

This warranty is given in addition to, and does not limit, the rights you have under consumer law
where you live. If local law gives you a longer period, the longer period applies.

## Exclusions

- cosmetic wear such as scratches and faded paint
- damage from water for devices that are not rated for outdoor use
- devices whose serial number has been removed or altered
"""
    return f"Limited hardware warranty ({code})", "2024-06-12" if not c.v2 else "2025-03-17", *PUBLIC, body


def returns_doc(doc_id: str, c: Ctx):
    kind, phrase, attrs = RETURNS[doc_id]
    a = {k: c.v(v) for k, v in attrs.items()}
    who = ("private customers who ordered from the Quorvane web shop" if kind == "consumer"
           else "business customers who ordered with a VAT number, a purchase order or through a sales contract. "
                "The Pivra W5 and the Kestmoor K20 Marine are always sold under this policy")
    body = f"""# Returns policy ({kind})

## Who this policy covers

This {kind} returns policy applies to {who}.

## Return window

Unused or lightly used devices can be returned within **{a['r_window']}** of delivery. Devices must be
complete, with all accessories, and the serial number must match the order.

## Fees

| Item | Amount |
|---|---|
| Restocking fee | {a['r_fee']} of the price paid |
| Return shipping | free with the prepaid label |

## Refunds

We inspect returned devices on arrival. Refunds are issued to the original payment method; refund
processing takes {a['r_refund']} after the inspection. Faulty devices are handled under the warranty,
not under this policy.

## How to return

1. Request a return from the order page or the support portal.
2. Pack the device in its original box if you still have it.
3. Print the prepaid label and drop the parcel at any service point of our courier.

Keep the drop-off receipt until the refund has arrived.
"""
    return f"Returns policy ({kind})", "2024-05-20" if not c.v2 else "2025-03-17", *PUBLIC, body


def shipping_doc(doc_id: str, c: Ctx):
    region, phrase, attrs = SHIPPING[doc_id]
    a = {k: c.v(v) for k, v in attrs.items()}
    body = f"""# Shipping policy ({region})

## Carriers

Orders shipped {phrase} are delivered by {a['s_courier']}. You receive a tracking link by e-mail as soon as
the parcel leaves our warehouse in Tampere.

## Delivery times

| Service | Delivery time |
|---|---|
| Standard delivery | {a['s_time']} |
| Express delivery | quoted at checkout |

Orders placed before 13:00 Helsinki time on a business day leave the warehouse the same day.

## Costs

Standard delivery is free for orders above {a['s_threshold']}; below that, the shipping fee is shown at
checkout. Duties and import taxes, where they apply, are paid by the recipient.

## Damaged parcels

Refuse visibly damaged parcels or photograph the damage before opening, then contact support within
five days of delivery.

## Order tracking

The order page shows each step: payment received, packed, handed to the courier and delivered. If the
tracking has not moved for five business days, contact support and we will open a search with the
courier.
"""
    return f"Shipping policy ({region})", "2024-08-01" if not c.v2 else "2025-03-17", *PUBLIC, body


def sla_doc(doc_id: str, c: Ctx):
    tier, attrs = SLA[doc_id]
    a = {k: c.v(v) for k, v in attrs.items()}
    body = f"""# {tier} support tier

## Overview

The {tier} tier sets how quickly the Quorvane support team answers and resolves cases. Which tier a
customer gets depends on their Quorvane Cloud plan.

## Targets

| Target | {tier} |
|---|---|
| First response time | {a['sla_first']} |
| Severity-1 resolution target | {a['sla_sev1']} |
| Support hours | {a['sla_hours']} |

## Severity levels

- **Severity 1:** the cloud service or a whole site is down, no data is being collected.
- **Severity 2:** a feature is broken but a workaround exists.
- **Severity 3:** questions, how-to requests and cosmetic problems.

## Contacting support

Open a case from the support portal or reply to any support e-mail. Include the device serial
number and the plan name so the case is routed to the right queue.

## Escalation

If a target is missed, the case is escalated automatically to a team lead. Customers can also ask for
escalation by replying "escalate" to any support e-mail; the Head of Support reviews every escalated
case in the weekly quality meeting.
"""
    return f"{tier} support tier", "2024-10-15" if not c.v2 else "2025-03-17", *PUBLIC, body


# --------------------------------------------------------------------------------------------------
# offices, team, company

OFFICE_NOTES = {
    "Tampere": ("headquarters, hardware engineering, the warehouse and finance", "Finland"),
    "Ghent": ("customer support for Europe and the security team", "Belgium"),
    "Porto": ("cloud software engineering", "Portugal"),
    "Halifax": ("sales and support for North America", "Canada"),
    "Dunedin": ("people operations and support for Asia-Pacific", "New Zealand"),
}


OFFICE_TRAVEL = {
    "Tampere": "The office is a ten-minute walk from the railway station. Bicycle parking is in the courtyard, "
               "and the warehouse is next door.",
    "Ghent": "Tram lines stop in front of the building. Car parking is limited; ask the office manager for a "
             "visitor permit in advance.",
    "Porto": "The nearest metro station is a short walk away. The office is on the second floor above a bakery.",
    "Halifax": "The office is close to the waterfront and the ferry terminal. Winter boots can be left at the "
               "entrance rack.",
    "Dunedin": "The office is in the city centre, near the Octagon. Buses from the university stop outside.",
}


def office_doc(doc_id: str, c: Ctx):
    city, attrs = OFFICES[doc_id]
    a = {k: c.v(v) for k, v in attrs.items()}
    teams, country = OFFICE_NOTES[city]
    body = f"""# {city} office guide

## At a glance

The {city} office ({country}) hosts {teams}.

- Street address: {a['o_address']}, {city}
- Office manager: {a['o_manager']}
- Capacity: {a['o_desks']}, bookable in the desk app

## Access

Staff badges open the main door between 06:30 and 22:00. Visitors sign in at reception and must be
accompanied by a member of staff at all times. Lost badges are reported to the office manager.

## Facilities

The office has quiet rooms, a shared kitchen and bicycle storage. Meeting rooms are booked in the
calendar; please release rooms you no longer need.

## Emergencies

The assembly point is shown on the evacuation plan next to each exit. First-aid kits are in the
kitchen and at reception.

## Getting there

{OFFICE_TRAVEL[city]}

## Office etiquette

Keep calls in the quiet rooms, clear your desk at the end of the day and label food in the fridge.
The fridge is emptied every Friday afternoon.
"""
    return f"{city} office guide", "2024-09-02" if not c.v2 else "2025-03-17", *INTERNAL, body


def team_doc(c: Ctx):
    rows = []
    for _key, title, _aliases, person, office in ROLES:
        rows.append(f"| {title} | {c.v(person)} | {office} |")
    if c.v2:
        rows.append("| Strategic Accounts Director | Tobias Quennell | Halifax |")
        rows.append("| Principal Security Engineer | Idris Mabuza-Holt | Ghent |")
    body = f"""# Team directory

## Leadership team

| Role | Name | Office |
|---|---|---|
{chr(10).join(rows)}

## Teams

- **Hardware engineering:** designs the Ostrel, Pivra and Kestmoor devices and runs the test lab.
- **Cloud engineering:** builds Quorvane Cloud, the API and the mobile app.
- **Support:** answers customer cases in three regions and maintains the help centre.
- **Sales and partners:** works with direct customers and the reseller network.
- **People operations:** hiring, onboarding, pay and leave.
- **Finance and operations:** invoicing, purchasing and the warehouse.
- **Security:** protects customer data and company systems and leads security incidents.

## How to reach people

Everyone is on the company chat under their full name. For urgent matters outside office hours,
use the on-call rota in the operations handbook rather than calling people directly.

## Changes

The People team updates this directory when roles change. Report mistakes to the Head of People.
"""
    return "Team directory", "2024-10-01" if not c.v2 else "2025-03-17", *INTERNAL, body


def company_doc(c: Ctx, one):
    body = f"""# About Quorvane Instruments

## Who we are

Quorvane Instruments Oy designs environmental sensing hardware and the Quorvane Cloud service that
collects its data. The company was founded in {one('f-company-founded')} by Helmi Vaarankorpi and
{one('f-company-cofounder')}, two researchers who wanted cheap, honest air quality data for schools.

## Facts and figures

- Headquarters: {one('f-company-hq')}, Finland
- Employees: {one('f-company-employees')} across five offices
- Markets: products sold in {one('f-company-countries')}

## Product lines

- **Ostrel:** indoor air quality monitors
- **Pivra:** outdoor weather stations
- **Kestmoor:** wireless data loggers
- **Quorvane Cloud:** dashboards, alerts and an API, sold as Sprout, Canopy, Grove and Forest plans

## Our principles

We publish how our sensors are calibrated, we repair before we replace, and we never sell customer
data. Every device can export its readings without a cloud subscription.
"""
    return "About Quorvane Instruments", "2024-07-01" if not c.v2 else "2025-03-17", *PUBLIC, body


# --------------------------------------------------------------------------------------------------
# firmware release notes


def firmware_doc(doc_id: str, c: Ctx):
    name, devices, attrs = FIRMWARE[doc_id]
    a = attrs
    code = a["fw_code"]
    meaning = ERROR_CODES[code][0] if code in ERROR_CODES else "storm sensor timeout"
    body = f"""# {name} release notes

## Release

{name} was released on {a['fw_date']} for the {devices}. It is installed automatically overnight
when the device is connected; you can also trigger the update from the app.

## New features

- Headline feature: {a['fw_feature']}
- Improved battery reporting in the app
- Smaller update packages

## Fixes

- Fixed {a['fw_bug']}: false {code} alarms ({meaning}) after long periods offline
- Fixed rare time-zone errors in daily summaries

## Known issues

After the update the first reading can take up to two minutes longer than usual.

## Installing manually

Open the device page in the app, tap Firmware and then Update now. Keep the device powered and
within range until the progress bar reaches the end; an interrupted update is retried automatically.
"""
    updated = datetime.strptime(a["fw_date"], "%d %B %Y").date().isoformat()
    return f"{name} release notes", updated, *PUBLIC, body


# --------------------------------------------------------------------------------------------------
# support articles


def error_codes_doc(c: Ctx):
    rows = "\n".join(f"| {code} | {meaning} | {fix} |" for code, (meaning, fix) in ERROR_CODES.items())
    body = f"""# Ostrel error codes

## Reading the display

When an Ostrel monitor detects a problem, its ring turns orange and the app shows an error code.

## Code table

| Code | Meaning | What to do |
|---|---|---|
{rows}

## Still stuck?

If a code keeps returning after the suggested fix, open a support case with the code, the serial
number and the firmware version shown in the app.
"""
    return "Ostrel error codes", "2024-08-19", *PUBLIC, body


def factory_reset_doc(c: Ctx, one):
    body = f"""# Factory reset

## When to reset

A factory reset erases Wi-Fi settings, stored readings and calibration offsets. Try a normal restart
first; reset only when support asks you to or before giving a device away.

## Steps

1. Keep the device powered.
2. Press and hold the pinhole button on the back with a paper clip for {one('f-reset-hold')}.
3. Release the button when the LED turns off.
4. The LED blinks {one('f-reset-led')} three times when the reset has succeeded.

## After the reset

Pair the device again in the app. Stored readings that had not been uploaded are lost.
"""
    return "Factory reset", "2024-04-11" if not c.v2 else "2025-03-17", *PUBLIC, body


def calibration_doc(c: Ctx, one):
    body = f"""# Ostrel calibration guide

## Why calibrate

Gas sensors drift as they age. Regular calibration keeps CO2 and VOC readings within the published
accuracy.

## Interval

Calibrate each Ostrel monitor every {one('f-calibration-interval')}. The app reminds you two weeks before
a calibration is due.

## What you need

- Calibration kit {one('f-calibration-kit')} (sold separately)
- A room at 18-26 °C without people for thirty minutes

## Procedure

Place the monitor under the kit's hood, start "Calibrate" in the app and wait until the ring turns
green. Do not move the monitor during the procedure.
"""
    return "Ostrel calibration guide", "2024-03-08" if not c.v2 else "2025-03-17", *PUBLIC, body


def pivra_install_doc(c: Ctx, one):
    body = f"""# Pivra installation guide

## Choosing a location

Wind and rain readings are only as good as the location. Pick an open spot away from trees, roofs
and heat sources such as paved car parks.

## Height and clearance

- Mount the station head at {one('f-pivra-height')} above the ground.
- Keep at least {one('f-pivra-clearance')} between the station and any wall or building.

## Mounting

Fix the pole clamp with the four stainless steel bolts, point the solar panel towards the equator
and align the north marker using the compass in the app.

## First start

Power on the station and pair it with a gateway or activate LTE-M in the app. The first readings
appear in Quorvane Cloud within ten minutes.
"""
    return "Pivra installation guide", "2024-02-27", *PUBLIC, body


def api_doc(c: Ctx, one):
    body = f"""# Quorvane Cloud API guide

## Authentication

Create an API client in the Quorvane Cloud settings and exchange its secret for an access token.
Access tokens are valid for {one('f-api-token')}; request a new one when it expires.

## Rate limits

Each plan has its own API rate limit, listed on the plan pages. Requests above the limit receive
HTTP status 429 with a Retry-After header.

## Webhooks

Quorvane Cloud can call your endpoint when an alert fires. A failed webhook delivery is retried
{one('f-api-retries')}, with exponential back-off starting at thirty seconds.

## Versioning

Breaking changes get a new major version; old versions are kept for at least a year.
"""
    return "Quorvane Cloud API guide", "2024-10-21" if not c.v2 else "2025-03-17", *PUBLIC, body


# --------------------------------------------------------------------------------------------------
# HR and travel


def leave_doc(c: Ctx, one):
    body = f"""# Leave policy

## Annual vacation

Every full-time employee is entitled to {one('f-hr-vacation')} of paid vacation per calendar year.
Part-time employees receive a pro-rated entitlement. Unused days can be carried over until 31 March.

## Parental leave

Quorvane pays {one('f-hr-parental')} of parental leave at full salary, for every parent regardless of
gender, to be taken within two years of the birth or adoption.

## Sick leave

Report sickness to your manager before 10:00 on the first day. A doctor's note is needed from the
fourth consecutive day.

## Public holidays

Public holidays follow the country of your employment contract. Employees who work on a public holiday
at the request of their manager get a replacement day off, to be taken within three months.

## Other leave

Short paid leave is available for moving house, a wedding, or the funeral of a close relative. Ask the
People team for details; these days do not reduce your vacation entitlement.

## Requesting leave

Request vacation in the HR system at least four weeks ahead for periods longer than a week.
"""
    return "Leave policy", "2024-01-15", *INTERNAL, body


def remote_doc(c: Ctx, one):
    body = f"""# Remote work policy

## Principles

Most roles at Quorvane can be done from home part of the week. Teams agree their own office days;
hardware and warehouse roles are on site.

## Home office stipend

Employees who work from home at least one day a week receive a home office stipend of
{one('f-hr-stipend')}, paid with the January salary.

## Working from abroad

You may work from another country for up to {one('f-hr-abroad')}, subject to manager approval and a
check by the People team for tax and insurance.

## Security

Use the company laptop and VPN, never public computers. Lock your screen when you step away.
"""
    return "Remote work policy", "2024-02-01" if not c.v2 else "2025-03-17", *INTERNAL, body


def learning_doc(c: Ctx, one):
    body = f"""# Learning and development

## Learning budget

Each employee has a personal learning budget of {one('f-hr-learning')} for courses, books,
certifications and language lessons. The budget does not roll over.

## Conferences

Employees may take {one('f-hr-conference')} per year to attend conferences, on top of the learning
budget for tickets and travel.

## How to claim

Submit the receipt in the expense tool with the category "Learning". Purchases above €400 need
your manager's approval first.
"""
    return "Learning and development", "2024-01-15" if not c.v2 else "2025-03-17", *INTERNAL, body


def travel_doc(c: Ctx, one):
    body = f"""# Travel policy 2024

## Scope

This policy replaces the 2023 travel policy from 1 January 2024. It applies to every business trip
by employees and contractors.

## Booking

Book all flights, trains and hotels through {one('f-travel-tool')}. Bookings made elsewhere are only
reimbursed when the travel desk could not offer an option.

## Allowances

| Item | Limit |
|---|---|
| Per diem (meals and incidentals) | {one('f-travel-perdiem')} |
| Hotel | up to {one('f-travel-hotel')} |
| Flights under six hours | economy class |

## Expenses

Submit receipts within thirty days of returning. Alcohol, fines and upgrades are not reimbursed.
"""
    return "Travel policy 2024", "2024-01-01" if not c.v2 else "2025-03-17", *INTERNAL, body


def travel_2023_doc(c: Ctx):
    body = """# Travel policy 2023 (superseded)

## Status

This policy was replaced by the travel policy 2024 on 1 January 2024 and is kept for reference
for trips taken in 2023.

## Booking

Book flights and hotels through Fernway Travel Desk or directly with the airline.

## Allowances

| Item | Limit |
|---|---|
| Per diem (meals and incidentals) | €51 per day |
| Hotel | up to €149 per night |
| Flights under eight hours | economy class |

## Expenses

Submit receipts within sixty days of returning.
"""
    return "Travel policy 2023 (superseded)", "2023-01-01", *INTERNAL, body


# --------------------------------------------------------------------------------------------------
# confidential


def bands_doc(c: Ctx):
    rows = "\n".join(f"| {lvl} | {c.v(top)} |" for lvl, top in BANDS.items())
    body = f"""# Engineering salary bands

## Confidentiality

This document is restricted to the People team and the executive team. Do not forward it.

## Bands (annual base salary, top of band)

| Level | Top of band |
|---|---|
{rows}

## How bands are used

Offers are made between the middle and the top of the band. Bands are reviewed every October
against market data for Finland, Belgium, Portugal, Canada and New Zealand.
"""
    return "Engineering salary bands", "2024-10-31" if not c.v2 else "2025-03-17", "confidential", ["hr", "exec"], body


def sales_bands_doc(c: Ctx, one):
    body = f"""# Sales compensation bands

## Confidentiality

Restricted to the People team and the executive team.

## Base salaries

- Account executive base salary: {one('f-sales-ae-base')}
- Sales development representative base salary: {one('f-sales-sdr-base')}

## Commission

Account executives earn {one('f-sales-commission')} commission on the first-year value of closed
deals, paid quarterly. Commission is capped at the base salary.
"""
    return "Sales compensation bands", "2024-10-31", "confidential", ["hr", "exec"], body


def exec_comp_doc(c: Ctx, one):
    body = f"""# Executive compensation 2024

## Confidentiality

Restricted to the board and the executive team.

## Chief executive

- Base salary: {one('f-exec-ceo-base')}
- Bonus target: {one('f-exec-ceo-bonus')} of base salary, paid on company and personal goals

## Other executives

Other executive salaries are set by the board's remuneration committee within the published bands.
"""
    return "Executive compensation 2024", "2024-12-12", "confidential", ["exec"], body


def heron_doc(c: Ctx, one):
    body = f"""# Project Heron

## Summary

Project Heron is the next flagship air quality monitor, to be sold as the {one('f-heron-product')}.
Nothing about Heron may be shared outside the project team before the public announcement.

## Product

- New sensor: a {one('f-heron-sensor')} for new-build homes and schools
- Target price: {one('f-heron-price')}
- Contract manufacturer: {one('f-heron-manufacturer')}

## Risks

Sensor supply is the main risk; a second source is being qualified.
"""
    return "Project Heron", "2024-11-20" if not c.v2 else "2025-03-17", "confidential", ["exec", "product"], body


def tamarisk_doc(c: Ctx, one):
    body = f"""# Project Tamarisk

## Summary

Project Tamarisk is the next-generation data logger, planned to ship as the
{one('f-tamarisk-name')}. The project lead is Kalle Rintanen.

## Targets

- Battery life: {one('f-tamarisk-battery')} on a single cell
- Chip: {one('f-tamarisk-chip')} low-power microcontroller

## Status

Prototype boards are in thermal testing. The project is confidential until launch.
"""
    return "Project Tamarisk", "2024-12-02", "confidential", ["exec", "product"], body


INCIDENT_STORY = {
    "INC-2024-07": "Devices kept measuring but Quorvane Cloud rejected their uploads, so dashboards froze and alerts "
                   "stopped. Devices buffered readings locally and uploaded them after the fix, so no data was "
                   "lost, but customers with alert-based processes, such as pharmacies watching fridges, had no "
                   "alerts during the outage. Several customers called support before the status page was updated, "
                   "which showed that the status page update needs to be part of the first steps of the runbook.",
    "INC-2024-11": "A storage bucket that holds customer CSV exports was readable without authentication after a "
                   "configuration change. The exports contained device names and readings, but no passwords or "
                   "payment data. A security researcher reported the problem through our disclosure address. "
                   "Affected customers were informed, and the data protection authority was notified within the "
                   "legal deadline.",
    "INC-2025-02": "A firmware release for Pivra stations contained a bootloader patch that had not been signed "
                   "with the production key. Stations that installed it refused to boot the next image and "
                   "stopped reporting. The release was rolled back, and affected stations recovered after a "
                   "power cycle. Some stations on remote farms needed a site visit from a reseller.",
}


def incident_doc(doc_id: str, c: Ctx):
    code, title, a = INCIDENTS[doc_id]
    body = f"""# Post-mortem {code}: {title}

## Summary

| Item | Value |
|---|---|
| Incident | {code} |
| Duration | {a['i_duration']} |
| Customers affected | {a['i_impact']} |
| Incident commander | {a['i_commander']} |

## Root cause

The root cause was an {a['i_cause']}. Monitoring did not alert on it because the check only
looked at the front-end service.

## What happened

{INCIDENT_STORY[code]}

## Timeline

1. Detection by automated alerts or customer reports.
2. Incident declared and the commander assigned.
3. Mitigation deployed and verified.
4. All-clear sent to affected customers.

## Follow-up actions

- Add an alert for the failing component.
- Review the runbook with the on-call rota.
- Share this post-mortem with the security and executive teams only.
"""
    if a["i_cause"][0] not in "aeiou":
        body = body.replace(f"an {a['i_cause']}", f"a {a['i_cause']}")
    return f"Post-mortem {code}", "2025-01-10", "confidential", ["security", "exec"], body


def board_doc(c: Ctx, one):
    body = f"""# Board minutes, Q4 2024

## Attendance

All directors were present. The CFO presented the financial update.

## Financing

The board approved raising a Series B of {one('f-board-round')}, led by existing investors.

## Strategy

The board discussed acquiring {one('f-board-target')} to strengthen the soil sensing portfolio.
Management will present due diligence results next quarter.

## Any other business

None.
"""
    return "Board minutes Q4 2024", "2024-12-18", "confidential", ["exec"], body


def pentest_doc(c: Ctx, one):
    body = f"""# Penetration test report 2024

## Scope

The cloud service, the mobile app and the gateway firmware were tested by {one('f-pentest-vendor')}
over three weeks in September 2024.

## Results

The test reported {one('f-pentest-findings')}: none critical, three high, the rest medium or low.
All high findings were fixed within thirty days.

## Distribution

Restricted to the security team and the executive team.
"""
    return "Penetration test report 2024", "2024-10-09", "confidential", ["security", "exec"], body


def reorg_doc(c: Ctx, one):
    body = f"""# Reorganisation plan 2025

## Summary

To fund Project Heron, the company will merge support queues and reduce office space. The plan
affects {one('f-reorg-roles')} across support, sales and operations.

## Offices

The Dunedin office closes on {one('f-reorg-closure')}; Asia-Pacific support moves to a remote team.

## Communication

Nothing in this plan may be shared before the all-hands announcement.
"""
    return "Reorganisation plan 2025", "2024-12-19" if not c.v2 else "2025-03-17", "confidential", ["exec", "hr"], body


def nordhavn_doc(c: Ctx, one):
    body = f"""# Customer contract summary: Nordhavn Utilities

## Parties

Quorvane Instruments Oy and Nordhavn Utilities, our largest customer by revenue.

## Commercial terms

- Discount on list prices: {one('f-nordhavn-discount')}
- Contract term: {one('f-nordhavn-term')}
- Plan: Quorvane Cloud Forest with Premier support

## Confidentiality

Contract terms are confidential under the agreement; share only with the sales leadership and
finance.
"""
    return "Customer contract: Nordhavn Utilities", "2024-06-30", "confidential", ["exec", "sales"], body


# --------------------------------------------------------------------------------------------------
# documents without questions (context and distractors)


def brand_doc(c: Ctx, one):
    body = f"""# Brand guidelines

## Colours

The primary brand colour is Fjord Green ({one('f-brand-colour')}). Use it for headlines and buttons.
The secondary colour is warm sand; use it for backgrounds.

## Name

Write the company name as "Quorvane", never in capitals. Product names keep their family name:
"Ostrel A3", not "A3 monitor".

## Tone of voice

Plain, friendly and precise. Avoid superlatives and never promise health outcomes.
"""
    return "Brand guidelines", "2024-05-05", *INTERNAL, body


STATIC_DOCS = {
    "code-of-conduct": ("Code of conduct", "2023-09-01", *INTERNAL, """# Code of conduct

## Our commitments

We treat colleagues, customers and partners with respect. Harassment, discrimination and
retaliation are not tolerated.

## Conflicts of interest

Declare any financial interest in a supplier, reseller or competitor to your manager and the
People team.

## Gifts

Gifts above a symbolic value must be declared and may have to be returned.

## Reporting concerns

Report concerns to your manager, the People team or anonymously through the ethics line. Reports
made in good faith never lead to negative consequences.
"""),
    "onboarding-checklist": ("Onboarding checklist", "2024-03-18", *INTERNAL, """# Onboarding checklist

## Before day one

- Laptop ordered and enrolled in device management
- Accounts created for e-mail, chat and the HR system
- Buddy assigned from the new starter's team

## First week

- Security training completed
- Product training: one Ostrel, one Pivra and one Kestmoor session
- Coffee with the office manager and a tour of the office

## First month

- Goals agreed with the manager
- Visit to the warehouse in Tampere for hardware staff
"""),
    "security-policy": ("Information security policy", "2024-06-01", *INTERNAL, """# Information security policy

## Classification

Documents are classified as public, internal or confidential. Confidential documents are shared
only with the groups named on them.

## Passwords and accounts

Use the password manager and enable two-factor authentication on every account that supports it.

## Incidents

Report suspected incidents immediately to the security team through the incident channel. Do not
try to investigate on your own.

## Devices

Company laptops use full-disk encryption and receive updates automatically.
"""),
    "privacy-notice": ("Privacy notice", "2024-04-30", *PUBLIC, """# Privacy notice

## What we collect

Account details, device readings and support conversations. Device readings belong to the
customer; we process them only to provide the service.

## How long we keep it

Readings are kept for the retention period of your Quorvane Cloud plan. Support conversations are
kept for three years.

## Your rights

You can export or delete your data from the account page at any time, or ask support to do it.
"""),
    "press-release-series-a": ("Press release: Series A", "2021-04-14", *PUBLIC, """# Quorvane raises Series A

## Announcement

Quorvane Instruments today announced a Series A round to expand its Ostrel and Pivra product lines
and open offices in Ghent and Porto.

## Quote

"Honest environmental data should be affordable for every school," said the CEO.

## About Quorvane

Quorvane designs environmental sensing hardware and the Quorvane Cloud service.
"""),
    "ostrel-firmware-2-x": ("Ostrel firmware 2.x release notes (legacy)", "2021-11-30", *PUBLIC,
                            """# Ostrel firmware 2.x release notes (legacy)

## Status

Firmware 2.x is no longer supported. Devices still on 2.x should update to the current release.

## Versions

- 2.4: improved Wi-Fi reconnection
- 2.5: added the CO2 trend graph
- 2.6: fixed display flicker at low brightness

## Upgrading

Connect the monitor to Wi-Fi and open the app; the update starts automatically.
"""),
    "holiday-party-2024": ("Winter party 2024", "2024-11-05", *INTERNAL, """# Winter party 2024

## When and where

The winter party takes place on Friday 13 December 2024 at each office, with a shared video link
between offices at 17:00 Helsinki time.

## Food

Each office manager collects dietary requirements by 29 November.

## Plus-ones

Partners are welcome; register them in the event form.
"""),
    "ghent-office-move-2022": ("Ghent office move notice (2022)", "2022-06-01", *INTERNAL, """# Ghent office move notice (2022)

## The move

The Ghent team moves from the temporary co-working space to the new office in July 2022.

## Packing

Pack personal items in the labelled crates by 29 June. IT equipment is moved by the facilities
team.

## Questions

Ask the office manager.
"""),
}

# --------------------------------------------------------------------------------------------------
# version 2 only

V2_DOCS = {
    "ostrel-a4": ("Ostrel A4 product announcement", "2025-03-17", *PUBLIC, """# Ostrel A4

## Overview

The Ostrel A4 is our newest indoor air quality monitor. It adds a formaldehyde sensor to the
sensor set of the Ostrel A3, for new-build homes, schools and offices after renovation.

## Availability

Pre-orders open in spring 2025; shipping starts in the summer. Pricing is announced on the order
page.

## Compatibility

The A4 works with every Quorvane Cloud plan and with existing Quorvane gateways.
"""),
    "ostrel-firmware-3-4": ("Ostrel firmware 3.4 release notes", "2025-02-26", *PUBLIC, """# Ostrel firmware 3.4 release notes

## Release

Ostrel firmware 3.4 was released on 26 February 2025 for the Ostrel A3.

## New features

- Headline feature: adaptive fan curve for a longer battery life
- Weekly air quality summary e-mails

## Fixes

- Fixed BUG-6034: E-56 shown after a power cut

## Known issues

None at the time of release.
"""),
    "office-tallinn": ("Tallinn office guide", "2025-03-03", *INTERNAL, """# Tallinn office guide

## At a glance

The Tallinn office (Estonia) opened in March 2025 and hosts cloud operations and Asia-Pacific
support after the reorganisation.

- Street address: Telliskivi 60a, Tallinn
- Office manager: Kertu Saarepuu
- Capacity: 26 desks, bookable in the desk app

## Access

Staff badges open the main door between 06:30 and 22:00.
"""),
    "holiday-party-2025": ("Winter party 2025", "2025-03-10", *INTERNAL, """# Winter party 2025

## Save the date

The winter party 2025 takes place on Friday 12 December 2025, with a shared video link between
offices at 17:00 Helsinki time.

## Organisation

Each office manager will share local plans in November.
"""),
    "status-page-guide": ("Service status page", "2025-03-12", *PUBLIC, """# Service status page

## Where to look

The Quorvane Cloud status page shows the health of ingestion, dashboards, alerts and the API.

## Subscribing

Subscribe to e-mail or RSS updates from the status page to hear about incidents and maintenance.

## Maintenance windows

Planned maintenance is announced at least five days ahead.
"""),
    "price-update-2025": ("Price update, March 2025", "2025-03-17", *PUBLIC, """# Price update, March 2025

## What changes

From 17 March 2025 some device list prices and Quorvane Cloud plan limits change. The product and
plan pages always show the current values.

## Existing orders

Orders placed before the change keep their original price.

## Questions

Contact sales through the web shop chat.
"""),
}

RETIRED = ["travel-policy-2023", "holiday-party-2024", "ghent-office-move-2022", "ostrel-firmware-2-x"]

# --------------------------------------------------------------------------------------------------
# more documents without questions: realistic background that retrieval has to look past

STATIC_DOCS.update({
    "gateway-setup": ("Quorvane gateway setup", "2024-07-22", *PUBLIC, """# Quorvane gateway setup

## What the gateway does

The Quorvane gateway collects readings from nearby Ostrel, Pivra and Kestmoor devices and forwards them
to Quorvane Cloud over Ethernet or Wi-Fi. It is useful where devices are far from a Wi-Fi access point
or where a building's network does not allow new devices to join.

## Setting it up

1. Connect the gateway to power and, if possible, to an Ethernet port.
2. Open the Quorvane app and choose Add device, then Gateway.
3. Scan the QR code on the underside of the gateway.
4. If you use Wi-Fi instead of Ethernet, choose the network and enter its password.

The status light turns solid green when the gateway is connected to Quorvane Cloud.

## Placement tips

Place the gateway high up and away from metal cabinets. Concrete walls and floors shorten the radio
range considerably; in large buildings, one gateway per floor is a good starting point.

## Troubleshooting

- **Blinking orange:** the gateway has no internet connection. Check the cable or the Wi-Fi password.
- **Blinking blue:** a firmware update is running. Do not unplug the gateway.
- **Devices missing:** make sure each device has been added to the same organisation as the gateway.
"""),
    "mobile-app-faq": ("Quorvane app FAQ", "2024-09-09", *PUBLIC, """# Quorvane app FAQ

## Which phones are supported?

The app runs on current versions of iOS and Android. Older phones may still work but do not receive
new features.

## Do I need an account?

Yes. A free account is enough to pair devices, see live readings and export data. Long-term history,
alerts and sharing need a Quorvane Cloud plan.

## How do I share a device with my family or colleagues?

Open the device, tap Share and enter the other person's e-mail address. They get read-only access by
default; you can make them an editor later.

## Why are my notifications late?

Phones save battery by delaying background apps. Allow the Quorvane app to run in the background and
exclude it from battery optimisation.

## Can I use the app without internet?

Partly. The app can read Kestmoor loggers over Bluetooth while offline and uploads the readings later.
Ostrel monitors and Pivra stations need an internet connection to show data in the app.

## How do I report a bug?

Shake the phone while the app is open, or use Help and then Report a problem. Screenshots and the app
log are attached automatically.
"""),
    "reseller-program": ("Reseller programme", "2024-05-14", *PUBLIC, """# Reseller programme

## Who can join

Installers, IT service companies and specialist retailers who sell environmental monitoring to
schools, businesses and public bodies.

## What resellers get

- Access to the partner portal with price lists, marketing material and demo stock
- Training sessions on installation and on Quorvane Cloud
- A named partner manager for larger projects
- Deal registration, so the reseller who found a project keeps it

## Responsibilities

Resellers provide first-line support to their customers and pass hardware faults to Quorvane through
the partner portal. They must follow the brand guidelines and may not advertise prices below the
published minimum.

## Applying

Apply through the partner page on our website. The partner team replies after reviewing the
application and may ask for references from existing customers.
"""),
    "expense-policy": ("Expense policy", "2024-01-15", *INTERNAL, """# Expense policy

## Principles

Spend company money as if it were your own. Expenses must be necessary for your work, reasonable and
supported by a receipt.

## What can be claimed

- Travel under the travel policy
- Learning under the learning and development policy
- Small equipment such as cables and adapters, with manager approval
- Client meals, when a customer or partner is present

## What cannot be claimed

- Personal entertainment, fines and penalties
- Alcohol, except at client meals approved by a director
- Items already provided by IT, such as laptops and phones

## Submitting expenses

Photograph each receipt in the expense tool and choose the right category. Managers approve claims
weekly; approved claims are paid with the next salary.

## Corporate cards

Employees who travel often can request a corporate card. Card statements must be reconciled in the
expense tool by the fifth day of the following month.
"""),
    "it-equipment-policy": ("IT equipment policy", "2024-02-20", *INTERNAL, """# IT equipment policy

## Standard equipment

Every employee receives a laptop, a headset and a monitor for home use. Engineers can choose between
two laptop models; the choice is made with IT during onboarding.

## Replacement

Laptops are replaced every four years or when they fail. Broken equipment is reported to IT through
the service desk, not repaired privately.

## Personal devices

Company e-mail and chat may be used on a personal phone only with the device management profile
installed. Confidential documents must never be stored on personal devices.

## Leaving the company

Return all equipment on or before your last day. IT wipes returned laptops before they are reused or
recycled.
"""),
    "on-call-handbook": ("On-call handbook", "2024-08-05", *INTERNAL, """# On-call handbook

## Rota

Cloud engineers share a weekly on-call rota. Handover happens on Monday at 10:00 Helsinki time in the
operations channel.

## When you are paged

1. Acknowledge the page in the alerting tool within fifteen minutes.
2. Check the status dashboards and decide whether customers are affected.
3. If they are, declare an incident and post in the incident channel.
4. Update the public status page once the impact is understood.

## Incident roles

Every incident has a commander who coordinates, a scribe who keeps the timeline and one or more
responders. The commander decides when the incident is over and who writes the post-mortem.

## After an incident

Post-mortems are blameless. They describe what happened, why it happened and what will change, and
are reviewed in the weekly operations meeting.
"""),
    "data-export-guide": ("Exporting your data", "2024-06-18", *PUBLIC, """# Exporting your data

## From the app

Open a device, choose History, pick a date range and tap Export. The app creates a CSV file with one
row per reading and one column per measured value.

## From Quorvane Cloud

Use Reports, then Export, to download readings from many devices at once. Large exports are prepared
in the background and you get an e-mail with a download link.

## Through the API

The readings endpoint of the Quorvane Cloud API returns the same data as JSON, page by page. See the
API guide for authentication.

## File format

Time stamps are in UTC and ISO 8601 format. Units are given in the column headers, for example
temperature in degrees Celsius and particle levels in micrograms per cubic metre.
"""),
    "sustainability-report-2024": ("Sustainability report 2024", "2025-02-14", *PUBLIC, """# Sustainability report 2024

## Our approach

We design devices to last, to be repaired and to be recycled. Every product page lists the parts that
customers can replace themselves.

## Repair before replace

Most devices returned under warranty were repaired rather than replaced. Refurbished devices are sold
with a full warranty through the web shop.

## Packaging

Packaging is made from recycled cardboard and paper only. Plastic bags were removed from all product
boxes during the year.

## Offices and travel

Our offices use renewable electricity where the landlord offers it. The travel policy favours trains
over flights for journeys that take less than six hours.

## Next steps

In the coming year we will publish repair guides for every current product and add take-back points
for old devices in more countries.
"""),
    "glossary": ("Glossary", "2024-04-02", *PUBLIC, """# Glossary

## Measurements

- **PM2.5:** particles smaller than 2.5 micrometres, which reach deep into the lungs.
- **CO2:** carbon dioxide; indoors, a proxy for how well a room is ventilated.
- **VOC:** volatile organic compounds, released by paints, cleaning products and furniture.
- **Relative humidity:** how much water vapour the air holds compared with the maximum at that
  temperature.

## Products and services

- **Gateway:** a box that forwards readings from nearby devices to Quorvane Cloud.
- **Retention:** how long Quorvane Cloud keeps full-resolution history.
- **Support tier:** the response and resolution targets that come with a plan.

## Support terms

- **Severity:** how badly a problem affects the customer, from 1 (down) to 3 (question).
- **First response:** the first reply from a person, not an automatic acknowledgement.
"""),
    "meeting-guidelines": ("Meeting guidelines", "2023-11-20", *INTERNAL, """# Meeting guidelines

## Before the meeting

Every meeting has an owner, a written goal and an agenda shared in the invitation. If there is no
agenda, it is fine to decline.

## During the meeting

Start on time, even if people are missing. Keep one person responsible for notes, and end five
minutes early so people can get to their next meeting.

## After the meeting

The owner shares decisions and action items in writing within one day, with a name and a date next
to every action.

## Across offices

With five offices in different time zones, schedule recurring meetings at times that rotate, so the
same office does not always join early in the morning or late at night.
"""),
})

STATIC_DOCS.update({
    "schools-programme": ("Clean air for schools programme", "2024-08-26", *PUBLIC, """# Clean air for schools programme

## Why schools

Children spend most of their day indoors, often in crowded classrooms with windows that stay shut in
winter. High CO2 levels make it harder to concentrate, and many schools have no way to see the
problem.

## What the programme offers

- Ostrel monitors for classrooms at education prices, through our reseller partners
- A free Quorvane Cloud dashboard for the whole school, visible to teachers and parents
- Lesson plans about air, ventilation and measurement for three age groups

## How it works in practice

Teachers see the ring on the monitor change colour and open a window when it turns orange. The
school's facilities team gets a weekly report that shows which rooms need better ventilation.

## Joining

Schools apply through a reseller in their country or through the education page on our website.
Municipal school districts can also join as a group.
"""),
    "release-process": ("Hardware and firmware release process", "2024-03-25", *INTERNAL,
                        """# Hardware and firmware release process

## Stages

1. **Concept:** product management writes a one-page brief with the problem and the target customer.
2. **Prototype:** hardware engineering builds boards and housings for lab testing.
3. **Pilot:** a small batch goes to friendly customers for real-world testing.
4. **Launch:** marketing, sales and support are trained and the product page goes live.

## Firmware releases

Firmware is released in rings: first to internal devices, then to customers who opted in to early
updates, then to everyone. Each ring runs for at least a week without new severity-1 bugs before the
next ring starts.

## Sign-off

The VP Hardware signs off hardware launches; the CTO signs off firmware and cloud releases. Release
notes are published on the same day as the release.

## Confidentiality

Products before launch are confidential. Use project codenames in all shared channels.
"""),
    "warehouse-procedures": ("Warehouse procedures", "2024-04-15", *INTERNAL, """# Warehouse procedures

## Receiving goods

Check every delivery against the purchase order. Count cartons, note damage on the delivery note and
photograph damaged pallets before signing.

## Picking and packing

Pick orders in the order the system shows them. Scan the serial number of every device so it is linked
to the order, and add the printed quick-start card to each box.

## Returns

Returned devices go to the inspection shelf. Inspection checks the serial number, the accessories and
the condition, and records the result so customer service can release the refund.

## Safety

Wear safety shoes in the warehouse, keep aisles clear and use the pallet truck for anything heavier
than one full carton. Report near misses in the safety log.
"""),
    "support-handbook": ("Support team handbook", "2024-09-16", *INTERNAL, """# Support team handbook

## Our goal

Solve the customer's problem on the first reply whenever possible, in plain language.

## Working a case

1. Read the whole case and check the device history in the admin console.
2. Reproduce the problem if you can, with a demo device from the support shelf.
3. Answer with the solution and the next step the customer should take.
4. Set the case to pending; it closes automatically if the customer does not reply.

## Writing style

Greet the customer, answer the question in the first sentence, give one clear next step and sign off
as the support team. Never guess: if the documentation does not say, ask a colleague.

## Handovers

Cases are handed between offices at the end of each shift with a short note. Escalated cases stay
with the same agent until they are closed.
"""),
    "product-lines-overview": ("Product lines overview", "2024-10-07", *PUBLIC, """# Product lines overview

## Ostrel indoor air quality monitors

Three models for homes, classrooms, offices and laboratories. The A2 is the entry model, the A2 Pro
adds an e-paper display and scheduled reports, and the A3 is the flagship with the fastest particle
counter.

## Pivra outdoor weather stations

The W1 and W1 Plus serve gardens, schools and small farms; the W1 Plus keeps working through snowy
winters. The W5 is the professional station for agriculture and municipal networks.

## Kestmoor wireless data loggers

The K10 records temperature; the K20 adds humidity and a longer-lasting cell; the K20 Marine is a
sealed variant for boats and harbours.

## Quorvane Cloud

Dashboards, alerts, reports and an API for all devices, in four plans from Sprout to Forest.

## Choosing a product

Compare the specification tables on each product page, or ask our sales team for advice on larger
projects.
"""),
    "company-history": ("Company history", "2024-07-01", *PUBLIC, """# Company history

## The early years

Quorvane started in a university laboratory in Tampere, where the founders built air quality
monitors for local schools out of off-the-shelf parts. Teachers kept asking for more, and the
prototypes became the first Ostrel monitor.

## Growing the product range

Farmers who saw the school monitors asked for weather data, which led to the Pivra stations. A
pharmacy chain asked for a simple way to prove that vaccines stayed cold, which led to the Kestmoor
loggers.

## Going international

Offices in Ghent and Porto followed the Series A round, and Halifax and Dunedin opened to serve
customers in North America and Asia-Pacific in their own time zones.

## Today

Quorvane Cloud connects devices in schools, farms, clinics and city networks, and the company keeps
its promise to publish how its sensors are calibrated.
"""),
})

STATIC_DOCS.update({
    "accessibility-statement": ("Accessibility statement", "2024-05-27", *PUBLIC, """# Accessibility statement

## Our commitment

We want everyone to be able to use the Quorvane app, Quorvane Cloud and our website, including people
who use screen readers, keyboard navigation or larger text.

## What works today

- The app supports the system text size and dark mode on iOS and Android.
- Dashboard charts have a table view that screen readers can read.
- Device alerts can be delivered as e-mail, push notification or text message.

## Known limitations

Some older help centre videos do not have captions yet. Product rings use colour to show air quality;
the app always shows the same information as text as well.

## Feedback

If something is hard to use, tell us through the support portal. Accessibility feedback is reviewed
by the product team every month.
"""),
    "incident-response-policy": ("Incident response policy", "2024-04-22", *INTERNAL, """# Incident response policy

## Purpose

This policy sets out how Quorvane detects, handles and learns from incidents that affect customers,
data or systems.

## Severity

- **SEV-1:** customers cannot use a core service, or customer data may be exposed.
- **SEV-2:** a core service is degraded, or an internal system is down.
- **SEV-3:** a minor problem with a workaround.

## Responsibilities

The on-call engineer declares incidents. The incident commander coordinates the response, the security
team joins every incident that may involve customer data, and the executive team is informed of every
SEV-1 incident.

## Post-mortems

Every SEV-1 and SEV-2 incident gets a written post-mortem. Post-mortems that involve customer data
or security weaknesses are confidential and shared only with the security and executive teams.
"""),
    "sales-playbook": ("Sales playbook", "2024-06-24", *INTERNAL, """# Sales playbook

## Who we sell to

Facilities managers, school districts, pharmacies, farms and municipalities. The buyer is rarely the
person who reads the dashboards every day, so every proposal explains the benefit for both.

## Discovery questions

- What do you measure today, and how?
- Who needs to see the data, and who acts on it?
- Which rules or audits do you have to satisfy?
- How many sites and rooms are involved?

## Proposals

Use the proposal template in the sales drive. Quote list prices from the product pages and plan
pages; discounts above the standard reseller margin need approval from the Head of Sales.

## Handover to support

When a deal closes, add the customer's plan, sites and contacts to the handover form so support can
welcome them in the first week.
"""),
    "privacy-by-design": ("Privacy by design guidelines", "2024-03-11", *INTERNAL, """# Privacy by design guidelines

## Collect less

Only collect data a feature needs. Device readings are not personal data on their own, but names of
rooms, notes and sharing lists can be.

## Keep it safe

Personal data is encrypted at rest and in transit. Test environments use generated data, never copies
of customer data.

## Delete on time

Every data store has a documented retention period. Deletion jobs are monitored like any other
production job.

## Review

New features that process personal data get a privacy review before launch. The review checklist is
in the engineering handbook.
"""),
    "customer-onboarding": ("Getting started with Quorvane", "2024-08-12", *PUBLIC, """# Getting started with Quorvane

## Step 1: create your account

Download the Quorvane app or open Quorvane Cloud in a browser and create an account with your work
e-mail address.

## Step 2: add your devices

Use Add device in the app and follow the instructions for your product. Large deployments can import a
list of serial numbers from a spreadsheet instead.

## Step 3: organise sites and rooms

Group devices by site and room so dashboards and reports make sense to your colleagues. Names can be
changed later without losing history.

## Step 4: set up alerts

Choose thresholds for the values you care about, for example CO2 in classrooms or temperature in
fridges, and who should be notified.

## Step 5: invite your team

Invite colleagues as viewers or editors. Viewers can see dashboards; editors can change devices,
alerts and sharing.
"""),
})

STATIC_DOCS.update({
    "environmental-thresholds": ("Recommended thresholds for alerts", "2024-09-23", *PUBLIC,
                                 """# Recommended thresholds for alerts

## Why thresholds matter

Alerts are only useful if people trust them. Thresholds that are too strict cause alert fatigue;
thresholds that are too loose miss real problems.

## Indoor air

- **CO2:** start with an orange alert when a classroom or meeting room stays above the "ventilate" level
  shown in the app for more than fifteen minutes.
- **Particles:** alert on the hourly average rather than single readings, which jump when someone walks
  past.
- **Humidity:** very dry air in winter is common; alert only when it persists for a whole day.

## Cold chain

Follow the limits in your regulator's guidance. Use a short delay so that opening a fridge door does
not trigger an alert, but never longer than the time your procedures allow.

## Weather

Wind and rain alerts work best when they match a decision, such as stopping spraying or closing
greenhouse vents.

## Reviewing alerts

Review the alert history monthly and adjust thresholds that fired without anyone needing to act.
"""),
    "supplier-code": ("Supplier code of conduct", "2023-10-09", *PUBLIC, """# Supplier code of conduct

## Scope

This code applies to every company that supplies parts, assembly, logistics or services to Quorvane.

## Labour

Suppliers respect the freedom of association, pay at least the legal minimum wage, do not use forced
or child labour and keep working hours within the law.

## Environment

Suppliers comply with environmental law, track their energy use and work with us to reduce packaging
and waste.

## Business integrity

Bribery and corruption are forbidden. Suppliers declare conflicts of interest and keep accurate
records.

## Audits

Quorvane may audit suppliers, with notice, to check that this code is followed. Serious breaches can
end the relationship.
"""),
    "parental-leave-faq": ("Parental leave FAQ", "2024-01-15", *INTERNAL, """# Parental leave FAQ

## Who is eligible?

Every employee with a permanent or fixed-term contract, from the first day of employment, including
adoptive and foster parents.

## Can I split my leave?

Yes. Leave can be taken in up to three blocks, as long as all of it is taken before the child turns
two. Agree the dates with your manager as early as possible.

## What happens to my bonus and learning budget?

Bonus targets are pro-rated for the time you are at work. The learning budget stays available during
leave.

## Can I work part-time when I come back?

Yes, part-time arrangements after leave are agreed with your manager and the People team, usually for
six months at a time.

## Where is the entitlement written?

The number of paid weeks is set out in the leave policy.
"""),
    "office-security-guidelines": ("Office security guidelines", "2024-02-12", *INTERNAL,
                                   """# Office security guidelines

## Badges

Wear your badge visibly and never lend it to anyone. Do not hold doors open for people you do not
recognise; ask them to sign in at reception.

## Clean desk

Lock your laptop when you leave your desk and put printed documents in the locked cabinets at the end
of the day. Confidential printouts go into the shredding bins.

## Visitors

Visitors are registered in advance, sign in at reception and are accompanied at all times. Visitors
may not photograph whiteboards or screens.

## Deliveries

Parcels are received at reception and opened there, never in the engineering labs.
"""),
})
