"""Build the course corpus from its source of truth (``corpus_facts.py`` + ``corpus_docs.py``).

Writes, under ``data/`` (or the folder given with ``--out``):

* ``kb/v1/<id>.md`` and ``kb/v2/<id>.md``: the knowledge base before and after the update
* ``questions.jsonl``: answerable and unanswerable questions with their splits
* ``kb_changelog.jsonl``: every fact that changes in v2, plus added and retired documents
* ``confusable_groups.json``: groups of look-alike documents that trip keyword retrieval
* ``house_format.jsonl``: support replies in the fixed house format
* ``tickets.jsonl``: labelled customer messages

The output is deterministic (fixed seeds), so running it twice gives identical files::

    python scripts/build_corpus.py && python scripts/data_card.py
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "src"))  # ragft.data: the validator's similarity

import corpus_docs as D  # noqa: E402
from corpus_facts import (  # noqa: E402
    BANDS,
    ERROR_CODES,
    FIRMWARE,
    INCIDENTS,
    MULTI,
    OFFICES,
    ONE_OFF,
    PLANS,
    PRODUCTS,
    RETURNS,
    ROLES,
    SHIPPING,
    SLA,
    UNANSWERABLE,
    WARRANTY,
)

ROOT = Path(__file__).resolve().parents[1]
SEED = 20250317

# --------------------------------------------------------------------------------------------------
# question wordings per kind of fact: [question, paraphrase x3, test_seen wording]; {e} = entity

KIND_WORDINGS = {
    "price": ["How much does the {e} cost?", "What is the list price of the {e}?", "What does the {e} sell for?",
              "What's the retail price of a {e}?", "If I want to buy one {e}, how much money will I need?"],
    "weight": ["How much does the {e} weigh?", "What is the weight of the {e}?", "How heavy is the {e}?",
               "What's the {e}'s weight?", "If I put a {e} on a kitchen scale, what reading would I see?"],
    "battery": ["What is the battery life of the {e}?", "How long does the {e} run on a full battery?",
                "How long does a charge last on the {e}?", "What battery runtime does the {e} have?",
                "Once fully charged, for how long can a {e} keep working unplugged?"],
    "interval": ["How often does the {e} take a measurement?", "What is the sampling interval of the {e}?",
                 "How frequently does the {e} sample?", "At what interval does the {e} record readings?",
                 "What is the time gap between two consecutive data points logged by a {e}?"],
    "sku": ["What is the SKU of the {e}?", "Which SKU code does the {e} have?",
            "What product code is used for the {e}?", "What is the {e}'s stock-keeping unit?",
            "When ordering a {e} from a distributor, which catalogue number should be quoted?"],
    "range": ["What is the wireless range of the {e}?", "How far can the {e} transmit wirelessly?",
              "What radio range does the {e} have?", "Over what distance can the {e} send data?",
              "How far away from its gateway can a {e} be placed and still connect?"],
    "storage": ["How many days of readings can the {e} store?",
                "What is the internal storage capacity of the {e} in days?",
                "How much data history does the {e} keep on the device?",
                "How long can the {e} buffer readings offline?",
                "If a {e} loses its connection, for how long is it able to keep its measurements locally?"],
    "launch": ["When was the {e} launched?", "In which month did the {e} come out?",
               "What was the launch date of the {e}?", "When was the {e} released?",
               "Since which month has the {e} been on the market?"],
    "plan_price": ["How much does the {e} plan cost?", "What is the price of the {e} plan?",
                   "What does a {e} subscription cost per month?", "What is the monthly fee for the {e} plan?",
                   "A customer signing up for {e} will be billed what amount each month?"],
    "plan_devices": ["How many devices does the {e} plan allow?",
                     "What is the device limit of the {e} plan?",
                     "How many devices can be connected on the {e} plan?",
                     "What is the maximum number of connected devices on {e}?",
                     "Up to how many sensors can one account link when subscribed to {e}?"],
    "plan_retention": ["How long does the {e} plan keep data?", "What is the data retention of the {e} plan?",
                       "How much history is retained on the {e} plan?",
                       "For how long is full-resolution data stored on {e}?",
                       "With a {e} subscription, how far back can a customer look at detailed readings?"],
    "plan_users": ["How many users are included in the {e} plan?", "How many user seats does {e} include?",
                   "What is the number of included users on the {e} plan?",
                   "How many people can log in on a {e} plan?",
                   "A team buying {e} can invite how many colleagues to the account without extra cost?"],
    "plan_api": ["What is the API rate limit of the {e} plan?", "How many API requests per minute does {e} allow?",
                 "What API request limit applies to the {e} plan?", "How fast can I call the API on the {e} plan?",
                 "Before getting HTTP 429 errors, how much traffic can a {e} customer send to the interface?"],
    "plan_tier": ["Which support tier comes with the {e} plan?", "What support tier does the {e} plan include?",
                  "What level of support do {e} plan customers get?", "Which support tier is bundled with {e}?",
                  "When a {e} subscriber needs help, which service level applies to them?"],
    "w_length": ["How long is the Quorvane warranty {e}?", "What is the warranty period {e}?",
                 "How many months of warranty do devices bought {e} get?",
                 "What is the length of the hardware warranty {e}?",
                 "If my device was purchased {e}, until when after delivery can it be repaired for free?"],
    "w_register": ["How soon after purchase must a device be registered for warranty {e}?",
                   "What is the warranty registration deadline {e}?",
                   "Within how many days should I register a device for warranty {e}?",
                   "How long do customers have to register a product for warranty {e}?",
                   "Having just bought a sensor {e}, by when do I need to sign it up on the portal?"],
    "w_turnaround": ["What is the repair turnaround for warranty claims {e}?",
                     "How long does a warranty repair take {e}?",
                     "What is the warranty repair time {e}?",
                     "How quickly are warranty claims repaired {e}?",
                     "Once the service centre receives my broken unit sent from {e_short}, how long until it is fixed?"],
    "r_window": ["How long is the return window {e}?", "Within how many days can devices be returned {e}?",
                 "What is the return period {e}?", "How long do I have to return a device {e}?",
                 "Changing one's mind about a purchase, how much time is allowed to send it back {e}?"],
    "r_fee": ["What restocking fee applies to returns {e}?", "How much is the restocking fee {e}?",
              "What is the restocking fee on returned devices {e}?", "What percentage is deducted for returns {e}?",
              "When a product is sent back {e}, what share of the price is kept by the company?"],
    "r_refund": ["How long does refund processing take {e}?", "How long until a refund is issued {e}?",
                 "What is the refund processing time {e}?", "How quickly are refunds processed {e}?",
                 "For an item sent back {e}, when does the money reach the customer once it has been inspected?"],
    "s_time": ["How long does standard delivery take {e}?", "What is the standard delivery time {e}?",
               "How many business days does standard shipping take {e}?", "How fast is standard shipping {e}?",
               "Ordering with the normal shipping option {e}, when will the parcel arrive?"],
    "s_threshold": ["What is the free shipping threshold {e}?", "Above what order value is shipping free {e}?",
                    "How much do I need to spend for free delivery {e}?",
                    "What is the minimum order for free standard delivery {e}?",
                    "Which basket total unlocks delivery at no cost for a shopper {e}?"],
    "s_courier": ["Which courier delivers orders {e}?", "Which carrier ships Quorvane orders {e}?",
                  "Who delivers Quorvane parcels {e}?", "What delivery company is used {e}?",
                  "The tracking link for a parcel sent {e} will be from which firm?"],
    "sla_first": ["What is the first response time of the {e} support tier?",
                  "How quickly does {e} support first respond?", "What is the {e} tier's first response target?",
                  "How fast is the first reply on {e} support?",
                  "Someone covered by {e} opens a case; how long until a human first answers?"],
    "sla_sev1": ["What is the severity-1 resolution target of the {e} support tier?",
                 "How fast must a severity-1 issue be resolved on {e} support?",
                 "What is the sev-1 resolution time for {e} support?",
                 "What resolution target applies to severity-1 cases on {e}?",
                 "For a customer with {e} coverage whose whole site is down, within how long should it be fixed?"],
    "sla_hours": ["What are the support hours of the {e} tier?", "When is {e} support available?",
                  "During which hours does {e} support operate?", "What hours does the {e} support tier cover?",
                  "At what times of day can a customer with {e} coverage reach a support agent?"],
    "o_address": ["What is the street address of the {e} office?", "Where is the {e} office located?",
                  "What is the address of Quorvane's {e} office?", "On which street is the {e} office?",
                  "A courier is bringing a parcel to our people in {e}; to which street and number?"],
    "o_manager": ["Who is the office manager in {e}?", "Who manages the {e} office?",
                  "Who runs the {e} office?", "Which person is the {e} office manager?",
                  "I lost my badge at the site in {e}; to whom should I report it?"],
    "o_desks": ["How many desks does the {e} office have?", "What is the capacity of the {e} office?",
                "How many desks are in the {e} office?", "How many people can sit at desks in the {e} office?",
                "What is the seating count, in workstations, at our site in {e}?"],
    "fw_date": ["When was {e} released?", "What is the release date of {e}?", "On what date did {e} come out?",
                "When did Quorvane ship {e}?", "On which day did the update called {e} become available?"],
    "fw_feature": ["What is the headline feature of {e}?", "What is the main new feature in {e}?",
                   "Which new feature headlines {e}?", "What did {e} add as its main feature?",
                   "What was the biggest addition that users got by installing {e}?"],
    "fw_bug": ["Which bug was fixed in {e}?", "What bug ID does {e} fix?", "Which bug number did {e} resolve?",
               "What is the ID of the bug fixed by {e}?",
               "The changelog of {e} mentions fixing false alarms; under which ticket number?"],
    "role": ["Who is the {e} of Quorvane?", "Who is Quorvane's {e}?", "Who holds the {e} role at Quorvane?",
             "Which person is the {e} at Quorvane?", "In the leadership team, whose job is {e}?"],
    "error_code": ["What does error code {e} mean on an Ostrel monitor?", "What does the Ostrel error {e} indicate?",
                   "What is the meaning of Ostrel error code {e}?", "What problem does code {e} signal on an Ostrel?",
                   "My air monitor's ring turned orange and the app shows {e}; what is wrong?"],
    "i_duration": ["How long did incident {e} last?", "What was the duration of incident {e}?",
                   "How long was the {e} outage?", "For how long did {e} go on?",
                   "From start to all-clear, how much time passed during {e}?"],
    "i_cause": ["What was the root cause of incident {e}?", "What caused incident {e}?",
                "What is the root cause listed in the {e} post-mortem?", "Why did incident {e} happen?",
                "According to the write-up of {e}, which underlying fault triggered it?"],
    "i_impact": ["How many customers were affected by incident {e}?", "How many customers did {e} impact?",
                 "What number of customers were hit by incident {e}?", "How many customers suffered from {e}?",
                 "The {e} event touched how many client accounts?"],
    "i_commander": ["Who was the incident commander for {e}?", "Who commanded the response to incident {e}?",
                    "Who led incident {e} as commander?", "Which person was incident commander of {e}?",
                    "When {e} was declared, who was put in charge of handling it?"],
    "band": ["What is the top of the {e} engineering salary band?", "What is the maximum salary in engineering band {e}?",
             "How much can an {e} engineer earn at most?", "What is the upper limit of the {e} engineering band?",
             "What is the highest base pay the company offers a developer at level {e}?"],
}

KIND_SENTENCES = {
    "price": "The {e} costs {v}.", "weight": "The {e} weighs {v}.", "battery": "The {e} runs for {v} on a full charge.",
    "interval": "The {e} takes a reading every {v}.", "sku": "The SKU of the {e} is {v}.",
    "range": "The {e} has a wireless range of {v}.", "storage": "The {e} stores {v} of readings offline.",
    "launch": "The {e} launched in {v}.", "plan_price": "The {e} plan costs {v}.",
    "plan_devices": "The {e} plan allows up to {v}.", "plan_retention": "The {e} plan keeps {v} of history.",
    "plan_users": "The {e} plan includes {v}.", "plan_api": "The {e} plan allows {v}.",
    "plan_tier": "The {e} plan includes {v} support.", "w_length": "The warranty {e} lasts {v}.",
    "w_register": "Register your device within {v} of purchase {e}.",
    "w_turnaround": "Warranty repairs {e} take {v}.", "r_window": "The return window {e} is {v}.",
    "r_fee": "The restocking fee {e} is {v}.", "r_refund": "Refunds {e} are processed within {v}.",
    "s_time": "Standard delivery {e} takes {v}.", "s_threshold": "Shipping {e} is free above {v}.",
    "s_courier": "Orders {e} are delivered by {v}.", "sla_first": "{e} support first responds within {v}.",
    "sla_sev1": "{e} support resolves severity-1 issues within {v}.", "sla_hours": "{e} support is available {v}.",
    "o_address": "The {e} office is at {v}.", "o_manager": "The {e} office manager is {v}.",
    "o_desks": "The {e} office has {v}.", "fw_date": "{e} was released on {v}.",
    "fw_feature": "The headline feature of {e} is {v}.", "fw_bug": "{e} fixed {v}.",
    "role": "The {e} of Quorvane is {v}.", "error_code": "Error {e} means {v}.",
}

NEXT_STEPS = {
    "product": "Compare the models on our product pages, or reply to this e-mail to place an order.",
    "plan": "Change your plan at any time from the billing page in Quorvane Cloud.",
    "warranty": "Register your device on the warranty portal and keep your invoice.",
    "returns": "Request a prepaid return label from the support portal.",
    "shipping": "Use the tracking link in your shipping e-mail to follow your parcel.",
    "support": "Open a case from the support portal and include your device serial number.",
    "firmware": "Open the Quorvane app to check that your device has the latest firmware.",
    "howto": "Follow the step-by-step guide in our help centre, and reply here if anything is unclear.",
    "company": "Visit the About page on our website to learn more about Quorvane.",
}
KIND_GROUP = {
    **dict.fromkeys(["price", "weight", "battery", "interval", "sku", "range", "storage", "launch"], "product"),
    **dict.fromkeys(["plan_price", "plan_devices", "plan_retention", "plan_users", "plan_api", "plan_tier"], "plan"),
    **dict.fromkeys(["w_length", "w_register", "w_turnaround"], "warranty"),
    **dict.fromkeys(["r_window", "r_fee", "r_refund"], "returns"),
    **dict.fromkeys(["s_time", "s_threshold", "s_courier"], "shipping"),
    **dict.fromkeys(["sla_first", "sla_sev1", "sla_hours"], "support"),
    **dict.fromkeys(["fw_date", "fw_feature", "fw_bug"], "firmware"),
    "error_code": "howto",
}

HOUSE_GREETING = "Hello from Quorvane Support!"
HOUSE_SIGNOFF = "Kind regards, the Quorvane Support team"

# --------------------------------------------------------------------------------------------------
# aliases


NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
                11: "eleven", 12: "twelve", 13: "thirteen", 14: "fourteen", 16: "sixteen", 17: "seventeen",
                19: "nineteen"}
CURRENCY = {"$": ("dollars", "USD"), "€": ("euros", "EUR")}


def aliases(value: str, extra=()) -> list[str]:
    """The gold answer first, then spellings a model may plausibly use."""
    out = [value]
    m = re.fullmatch(r"([$€])([\d,]+)(.*)", value)
    if m:
        sym, num, rest = m.groups()
        word, code = CURRENCY[sym]
        plain = num.replace(",", "")
        out += [f"{plain} {word}{rest}", f"{code} {num}{rest}", f"{sym}{num}.00{rest}"]
        if rest:
            out.append(f"{sym}{num}")
    m = re.fullmatch(r"(\d+) (\w[\w ]*)", value)
    if m and int(m.group(1)) in NUMBER_WORDS:
        out.append(f"{NUMBER_WORDS[int(m.group(1))]} {m.group(2)}")
    m = re.fullmatch(r"(\d+) percent", value)
    if m:
        out.append(f"{m.group(1)}%")
    m = re.fullmatch(r"([\d.]+) metres", value)
    if m:
        out += [f"{m.group(1)} meters", f"{m.group(1)} m"]
    m = re.fullmatch(r"(\d+) (January|February|March|April|May|June|July|August|September|October|November|"
                     r"December) (\d{4})", value)
    if m:
        d, mon, y = m.groups()
        months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"]
        out += [f"{mon} {d}, {y}", f"{y}-{months.index(mon) + 1:02d}-{int(d):02d}"]
    m = re.fullmatch(r"([\d.]+) kg", value)
    if m:
        out.append(f"{round(float(m.group(1)) * 1000)} g")
    m = re.fullmatch(r"(\d+) g", value)
    if m:
        out.append(f"{m.group(1)} grams")
    for a in extra:
        if a not in out:
            out.append(a)
    seen, result = set(), []
    for a in out:
        if a not in seen:
            seen.add(a)
            result.append(a)
    return result


# --------------------------------------------------------------------------------------------------
# the fact list


def pick(value, version):
    return D.pick(value, version)


def build_facts() -> list[dict]:
    """Every answerable fact as a dict (the questions are made from these)."""
    facts: list[dict] = []

    def add(fid, docs, value, kind, e=None, wordings=None, sentence=None, extra=(), parts=None, e_short=None):
        if wordings is None:
            wordings = [w.format(e=e, e_short=e_short or e) for w in KIND_WORDINGS[kind]]
            wordings = [re.sub(r"\b([Aa]) (?=[AEIOU])", r"\1n ", w) for w in wordings]
        if sentence is None and kind in KIND_SENTENCES:
            sentence = KIND_SENTENCES[kind]
            sentence = sentence[0].upper() + sentence[1:] if sentence.startswith("{e}") else sentence
            sentence = sentence.format(e=e, v="{v}")
        facts.append(dict(fid=fid, docs=docs, value=value, kind=kind, wordings=wordings, sentence=sentence,
                          extra=list(extra), parts=parts))

    for doc, (name, _fam, attrs) in PRODUCTS.items():
        for attr, value in attrs.items():
            add(f"f-{doc}-{attr}", [doc], value, attr, name)
    for doc, (name, attrs) in PLANS.items():
        for attr, value in attrs.items():
            add(f"f-{doc}-{attr.removeprefix('plan_')}", [doc], value, attr, name)
    for doc, (code, phrase, _area, attrs) in WARRANTY.items():
        for attr, value in attrs.items():
            add(f"f-{doc}-{attr.removeprefix('w_')}", [doc], value, attr, phrase, e_short=code if code != "APAC"
                else "Asia-Pacific")
    for table in (RETURNS, SHIPPING):
        for doc, (_kind, phrase, attrs) in table.items():
            for attr, value in attrs.items():
                add(f"f-{doc}-{attr[2:]}", [doc], value, attr, phrase)
    for doc, (tier, attrs) in SLA.items():
        for attr, value in attrs.items():
            extra = ["24/7", "24 hours a day"] if value == "around the clock" else (
                [value.removesuffix(" Helsinki time")] if "Helsinki" in value else [])
            add(f"f-{doc}-{attr[4:]}", [doc], value, attr, tier, extra=extra)
    for doc, (city, attrs) in OFFICES.items():
        for attr, value in attrs.items():
            extra = []
            if attr == "o_manager":
                extra = [pick(value, "v1").split()[-1]] if not isinstance(value, tuple) else []
            add(f"f-{doc}-{attr[2:]}", [doc], value, attr, city, extra=extra)
    for doc, (name, _devices, attrs) in FIRMWARE.items():
        for attr in ("fw_date", "fw_feature", "fw_bug"):
            add(f"f-{doc}-{attr[3:]}", [doc], attrs[attr], attr, name)
    for key, title, _role_aliases, person, _office in ROLES:
        last = None if isinstance(person, tuple) else [person.split()[-1]]
        add(f"f-role-{key}", ["team-directory"], person, "role", title, extra=last or [])
    for code, (meaning, _fix) in ERROR_CODES.items():
        add(f"f-error-{code.lower()}", ["ostrel-error-codes"], meaning, "error_code", code)
    for doc, (code, _title, attrs) in INCIDENTS.items():
        for attr, value in attrs.items():
            extra = []
            if attr == "i_duration":
                m = re.fullmatch(r"(\d+) hours (\d+) minutes", value)
                extra = [f"{m.group(1)}h {m.group(2)}m", f"{m.group(1)} hours and {m.group(2)} minutes"] if m else []
            if attr == "i_commander":
                extra = [value.split()[-1]]
            add(f"f-{doc}-{attr[2:]}", [doc], value, attr, code, extra=extra,
                sentence=f"{code}: {value}.")
    for level, top in BANDS.items():
        add(f"f-band-{level.lower()}", ["salary-bands-engineering"], top, "band", level,
            sentence=f"The top of the {level} band is {{v}}.")
    for fid, (doc, value, wordings, sentence, extra) in ONE_OFF.items():
        add(fid, [doc], value, "one_off", wordings=wordings, sentence=sentence, extra=extra)
    for fid, docs, answer, parts, wordings, sentence, extra in MULTI:
        add(fid, docs, answer, "multi", wordings=wordings, sentence=sentence or None, extra=extra, parts=parts)
    return facts


def render_docs(version: str) -> dict[str, tuple]:
    """doc id -> (title, updated, access, groups, body) for one KB version."""
    c = D.Ctx(version)
    values = {fid: pick(value, version) for fid, (_doc, value, *_rest) in ONE_OFF.items()}

    def one(fid):
        return values[fid]

    docs: dict[str, tuple] = {}
    for doc in PRODUCTS:
        docs[doc] = D.product_doc(doc, c)
    for doc in PLANS:
        docs[doc] = D.plan_doc(doc, c)
    for doc in WARRANTY:
        docs[doc] = D.warranty_doc(doc, c)
    for doc in RETURNS:
        docs[doc] = D.returns_doc(doc, c)
    for doc in SHIPPING:
        docs[doc] = D.shipping_doc(doc, c)
    for doc in SLA:
        docs[doc] = D.sla_doc(doc, c)
    for doc in OFFICES:
        docs[doc] = D.office_doc(doc, c)
    for doc in FIRMWARE:
        docs[doc] = D.firmware_doc(doc, c)
    for doc in INCIDENTS:
        docs[doc] = D.incident_doc(doc, c)
    docs["team-directory"] = D.team_doc(c)
    docs["company-overview"] = D.company_doc(c, one)
    docs["ostrel-error-codes"] = D.error_codes_doc(c)
    docs["factory-reset"] = D.factory_reset_doc(c, one)
    docs["calibration-guide"] = D.calibration_doc(c, one)
    docs["pivra-installation"] = D.pivra_install_doc(c, one)
    docs["cloud-api-guide"] = D.api_doc(c, one)
    docs["hr-leave-policy"] = D.leave_doc(c, one)
    docs["hr-remote-work"] = D.remote_doc(c, one)
    docs["hr-learning-budget"] = D.learning_doc(c, one)
    docs["travel-policy-2024"] = D.travel_doc(c, one)
    docs["travel-policy-2023"] = D.travel_2023_doc(c)
    docs["salary-bands-engineering"] = D.bands_doc(c)
    docs["salary-bands-sales"] = D.sales_bands_doc(c, one)
    docs["exec-compensation"] = D.exec_comp_doc(c, one)
    docs["project-heron"] = D.heron_doc(c, one)
    docs["project-tamarisk"] = D.tamarisk_doc(c, one)
    docs["board-minutes-2024-q4"] = D.board_doc(c, one)
    docs["pentest-report-2024"] = D.pentest_doc(c, one)
    docs["reorg-plan-2025"] = D.reorg_doc(c, one)
    docs["customer-contract-nordhavn"] = D.nordhavn_doc(c, one)
    docs["brand-guidelines"] = D.brand_doc(c, one)
    docs.update(D.STATIC_DOCS)
    if version == "v2":
        for doc in D.RETIRED:
            del docs[doc]
        docs.update(D.V2_DOCS)
    return docs


def front_matter(doc_id, title, updated, access, groups) -> str:
    groups_txt = ", ".join(groups)
    title_txt = json.dumps(title, ensure_ascii=False) if ":" in title else title
    return (f"---\nid: {doc_id}\ntitle: {title_txt}\nupdated: {updated}\naccess: {access}\n"
            f"groups: [{groups_txt}]\n---\n\n")


CONFUSABLE_GROUPS = [
    {"name": "Ostrel air monitors", "why": "three spec sheets with the same table and close values",
     "doc_ids": ["ostrel-a2", "ostrel-a2-pro", "ostrel-a3"]},
    {"name": "Pivra weather stations", "why": "W1 and W1 Plus share almost every word",
     "doc_ids": ["pivra-w1", "pivra-w1-plus", "pivra-w5"]},
    {"name": "Kestmoor data loggers", "why": "K20 and K20 Marine differ by one word in most queries",
     "doc_ids": ["kestmoor-k10", "kestmoor-k20", "kestmoor-k20-marine"]},
    {"name": "Quorvane Cloud plans", "why": "the same bullet list with different limits",
     "doc_ids": ["plan-sprout", "plan-canopy", "plan-grove", "plan-forest"]},
    {"name": "Regional warranties", "why": "one policy text for four regions",
     "doc_ids": ["warranty-eu", "warranty-us", "warranty-uk", "warranty-apac"]},
    {"name": "Returns policies", "why": "consumer and business versions of the same policy",
     "doc_ids": ["returns-consumer", "returns-business"]},
    {"name": "Shipping policies", "why": "EU and international versions of the same policy",
     "doc_ids": ["shipping-eu", "shipping-international"]},
    {"name": "Support tiers", "why": "three SLA documents with the same table",
     "doc_ids": ["support-standard", "support-priority", "support-premier"]},
    {"name": "Office guides", "why": "five office guides with the same structure",
     "doc_ids": ["office-tampere", "office-ghent", "office-porto", "office-halifax", "office-dunedin"]},
    {"name": "Ostrel firmware release notes", "why": "consecutive versions with the same headings",
     "doc_ids": ["ostrel-firmware-3-1", "ostrel-firmware-3-2", "ostrel-firmware-3-3", "ostrel-firmware-2-x"]},
    {"name": "Pivra firmware release notes", "why": "consecutive versions with the same headings",
     "doc_ids": ["pivra-firmware-5-0", "pivra-firmware-5-1"]},
    {"name": "Travel policies", "why": "the 2023 policy is superseded by the 2024 one but still in v1",
     "doc_ids": ["travel-policy-2024", "travel-policy-2023"]},
    {"name": "Incident post-mortems", "why": "three confidential post-mortems with the same template",
     "doc_ids": ["incident-2024-07", "incident-2024-11", "incident-2025-02"]},
    {"name": "Salary bands", "why": "engineering and sales compensation documents",
     "doc_ids": ["salary-bands-engineering", "salary-bands-sales", "exec-compensation"]},
]

# --------------------------------------------------------------------------------------------------
# splits and questions


def question_type(f, confidential_docs) -> str:
    if isinstance(f["value"], tuple):
        return "changed"
    if f["kind"] == "multi":
        return "multi_doc"
    if any(d in confidential_docs for d in f["docs"]):
        return "confidential"
    if f["kind"] == "o_address":  # "88 Cumberland Street" starts with a number but is not a quantity
        return "single"
    return "numeric" if re.match(r"[$€]?\d", f["value"]) else "single"


def assign_splits(facts, confidential_docs, rng) -> dict[str, str]:
    """fid -> 'train' | 'seen' (train + test_seen) | 'unseen', stratified by question type."""
    by_type: dict[str, list] = {}
    for f in facts:
        by_type.setdefault(question_type(f, confidential_docs), []).append(f)
    out: dict[str, str] = {}
    for qtype in sorted(by_type):
        items = by_type[qtype]
        only_one = [f for f in items if len(f["wordings"]) == 1]
        full = [f for f in items if len(f["wordings"]) > 1]
        rng.shuffle(full)
        for f in only_one:
            out[f["fid"]] = "unseen"
        n = len(items)
        share = 0.25 if qtype in ("changed", "confidential") else 0.19
        n_unseen = max(0, round(share * n) - len(only_one))
        n_seen = round(share * n) if qtype != "multi_doc" else round(0.5 * len(full))
        for i, f in enumerate(full):
            out[f["fid"]] = "unseen" if i < n_unseen else "seen" if i < n_unseen + n_seen else "train"
    return out


def build_questions(facts, confidential_docs) -> tuple[list[dict], dict[str, list[str]]]:
    rng = random.Random(SEED)
    splits = assign_splits(facts, confidential_docs, rng)
    rows, by_fact = [], {}
    order = {"train": 0, "test_seen": 1, "test_unseen": 2}
    items = []
    for f in facts:
        qtype = question_type(f, confidential_docs)
        s = splits[f["fid"]]
        if s in ("train", "seen"):
            items.append((order["train"], f, "train", qtype))
        if s == "seen":
            items.append((order["test_seen"], f, "test_seen", qtype))
        if s == "unseen":
            items.append((order["test_unseen"], f, "test_unseen", qtype))
    items.sort(key=lambda t: t[0])
    for n, (_o, f, split, qtype) in enumerate(items, start=1):
        qid = f"q{n:04d}"
        v1 = aliases(pick(f["value"], "v1"), f["extra"])
        row = {"id": qid}
        if split == "train":
            row.update(question=f["wordings"][0], paraphrases=f["wordings"][1:4])
        elif split == "test_seen":
            row.update(question=f["wordings"][4])
        else:
            row.update(question=f["wordings"][0])
        row.update(answers=v1, doc_ids=f["docs"], type=qtype, split=split, fact_id=f["fid"])
        if f["parts"]:
            row["answer_parts"] = f["parts"]
        if qtype == "changed":
            row["v1_answers"] = v1
            row["v2_answers"] = aliases(pick(f["value"], "v2"), f["extra"])
        if "paraphrases" in row:  # keep the documented key order: paraphrases after fact_id
            row["paraphrases"] = row.pop("paraphrases")
        rows.append(row)
        by_fact.setdefault(f["fid"], []).append(qid)
    start = len(rows) + 1
    for i, q in enumerate(UNANSWERABLE):
        rows.append({"id": f"q{start + i:04d}", "question": q, "answers": [], "doc_ids": [], "type": "unanswerable",
                     "split": "unanswerable", "fact_id": f"f-unanswerable-{i + 1:02d}"})
    return rows, by_fact


# --------------------------------------------------------------------------------------------------
# house format


def house_reply(answer_sentence: str, next_step: str) -> str:
    return f"{HOUSE_GREETING}\nAnswer: {answer_sentence}\nNext step: {next_step}\n{HOUSE_SIGNOFF}"


GENERIC_HOUSE = [
    ("How do I pair a new Ostrel monitor with the app?",
     "Open the Quorvane app, tap Add device and hold the monitor close to your phone.", "howto"),
    ("Can I export my readings without a cloud subscription?",
     "Yes, every device can export its readings to CSV from the app without a subscription.", "howto"),
    ("My Kestmoor logger does not show up in the app. What should I do?",
     "Make sure Bluetooth is on and the logger is within range, then pull down to refresh the device list.",
     "support"),
    ("Do you sell customer data?", "No, Quorvane never sells customer data.", "company"),
    ("Can I change my Quorvane Cloud plan in the middle of the month?",
     "Yes, upgrades apply immediately and are charged pro rata.", "plan"),
    ("Is express delivery available?", "Yes, express delivery is quoted at checkout.", "shipping"),
    ("Who pays import taxes on my order?", "Duties and import taxes, where they apply, are paid by the recipient.",
     "shipping"),
    ("Are lithium cells covered by the warranty?", "No, consumables such as lithium cells are not covered.",
     "warranty"),
    ("My parcel arrived damaged. What now?",
     "Photograph the damage and contact support within five days of delivery.", "shipping"),
    ("Do replacement devices get a new warranty?",
     "Replacement devices carry the remainder of the original warranty period.", "warranty"),
    ("How do I delete my account data?", "You can delete your data from the account page at any time.", "support"),
    ("Which Wi-Fi bands do Ostrel monitors support?", "Ostrel monitors connect over 2.4 GHz Wi-Fi.", "product"),
    ("How do I clean my Ostrel monitor?", "Wipe the housing with a dry cloth and keep sprays away from the intake.",
     "howto"),
    ("Can Pivra stations work without a gateway?", "Yes, a Pivra station can report over LTE-M with a data plan.",
     "product"),
    ("What happens to readings stored while my device was offline?",
     "They are uploaded automatically, oldest first, once the connection returns.", "product"),
    ("How long do you keep support conversations?", "Support conversations are kept for three years.", "company"),
]


def build_house_format(facts, splits_by_fid, confidential_docs) -> list[dict]:
    rng = random.Random(SEED + 1)
    usable = [f for f in facts if f["sentence"] and f["kind"] != "multi"
              and not any(d in confidential_docs for d in f["docs"])]
    rng.shuffle(usable)
    rows = []
    for f in usable:
        sentence = f["sentence"].replace("{v}", pick(f["value"], "v1"))
        sentence = sentence[0].upper() + sentence[1:]
        group = KIND_GROUP.get(f["kind"], "company")
        split = "test" if splits_by_fid[f["fid"]] == "unseen" else "train"
        wording = f["wordings"][0] if split == "test" else f["wordings"][1]
        rows.append({"question": wording, "reply": house_reply(sentence, NEXT_STEPS[group]), "split": split})
    for i, (q, a, group) in enumerate(GENERIC_HOUSE):
        rows.append({"question": q, "reply": house_reply(a, NEXT_STEPS[group]), "split": "test" if i % 3 == 0
                     else "train"})
    return [{"id": f"h{n:04d}", **row} for n, row in enumerate(rows, start=1)]


# --------------------------------------------------------------------------------------------------
# tickets

TICKET_TEMPLATES = {
    "billing": [
        "I was charged twice for my {plan} subscription this month, can you refund one of the payments?",
        "Why did my invoice go up? I'm still on {plan} with the same number of devices.",
        "Our finance team needs the VAT number printed on invoice {inv}. Can you reissue it?",
        "The card on file expired, how do I update payment details before the renewal on the {day}?",
        "We were billed for {n} devices but only {m} are connected. Please correct the bill.",
        "Can we switch from monthly to yearly billing and get the annual discount?",
        "Payment failed again with error 'declined'. I don't want the account suspended!",
        "Please send a copy of all invoices for {year}, our accountant is asking.",
        "There's a charge from Quorvane on my statement that I don't recognise: {amt}.",
        "hi, the pro rata charge after upgrading to {plan} looks wrong, can someone check the maths",
        "Could you split the invoice between our two cost centres?",
        "We paid invoice {inv} by bank transfer a week ago but it still shows unpaid.",
        "Our {plan} renewal lists a price nobody here agreed to. Who approved the increase?",
        "Procurement rejects invoices without our purchase order number; please add it to {inv}.",
        "I cancelled {plan} on the {day} and was still charged for the following month.",
        "Is the {amt} on invoice {inv} with VAT included or on top?",
        "Do you accept SEPA direct debit for the {plan} plan?",
        "We'd like one consolidated invoice for our {n} sites instead of a separate one per site.",
        "The newsletter discount code wasn't applied at checkout, so I paid {amt} for {plan}.",
        "After downgrading from {plan} I expected a credit note. Where is it?",
        "Our receipts show the wrong company address; future invoices should go to the Ghent office.",
        "On which day does {plan} bill each month, the signup date or the first?",
        "Refund request: {amt} for an add-on we never activated.",
    ],
    "shipping": [
        "My order {order} still hasn't arrived and the tracking hasn't moved for {n} days.",
        "Can you ship the {product} to a different address? I moved last week.",
        "The tracking link says delivered but there is nothing at my door.",
        "Do you deliver to the Faroe Islands? Checkout won't accept my postcode.",
        "How long does it take to get a {product} to Canada?",
        "Parcel arrived with the box crushed, the {product} inside rattles. What should I do?",
        "Is it possible to pick up my order at the Tampere warehouse instead of delivery?",
        "The courier wants me to pay import duties on order {order}, is that right?",
        "Need the {product} before Friday for a site visit, can you upgrade to express?",
        "order {order} - only 1 of the {m} loggers was in the parcel",
        "Which courier will bring my order? I need to tell reception.",
        "My package is stuck in customs since {day}.",
        "There's a typo in the street name on order {order}, can you fix it before it leaves?",
        "Why does sending a single {product} to Norway cost so much?",
        "My {product} was sent to our old office. Can the courier redirect it?",
        "Will {n} units come on a pallet or as separate boxes?",
        "Tracking for {order} says 'returned to sender' but nobody ever rang our bell!",
        "If I order {n} {product} units today, when would they be here?",
        "The parcel was left with a neighbour I don't know. Which house was it?",
        "Is delivery free above a certain order value, say {amt}?",
        "Half my order came; the {product2} is missing from the box.",
        "Our loading dock only accepts deliveries early in the morning, can the driver come before 10?",
        "Please hold order {order} until I'm back from holiday on the {day}.",
    ],
    "returns": [
        "I'd like to return the {product}, it's too big for our classroom. How do I get a label?",
        "We ordered {n} {product} units by mistake and want to send {m} back.",
        "Is there a restocking fee if I return an unopened {product}?",
        "I returned my {product} two weeks ago, when will I see the refund?",
        "Changed my mind about the {product}, is it still within the return window? Delivered on the {day}.",
        "The return label you sent has expired before I could drop the box off.",
        "Can I exchange my {product} for the {product2} instead of a refund?",
        "We're a business customer; does the 14-day cooling-off period apply to us?",
        "return for order {order} was received by you but no refund yet",
        "I want to send back the gift I got, a {product}, without the receipt. Possible?",
        "The {product} works fine but we no longer need it. What are our options to give it back?",
        "The {product} pilot didn't convince the board. Can we send all {n} units back?",
        "How should I pack the {product} for the return? We threw the original box away.",
        "You refunded {amt} but I paid more for the {product}, why the difference?",
        "Do I get the postage back when I send a {product} back to you?",
        "I want to keep the {product} but return the wall mount that came with it.",
        "Can I drop my return off at a post office, or must the courier collect it?",
        "Return request: the colour of the {product} doesn't match the photo on your website.",
        "Your warehouse refused our return parcel for {order} and it bounced back to us. Why?",
        "The card I paid with is cancelled; can the refund for the {product} go to another one?",
        "We unboxed the {product} but never installed it. Full refund still possible?",
    ],
    "technical": [
        "My {product} shows error {code} after the update, what does it mean?",
        "The {product} keeps disconnecting from Wi-Fi every few hours.",
        "Readings from the {product} have a gap between 02:00 and 05:00 every night.",
        "The CO2 values look way too high compared to my other monitor, does it need calibration?",
        "Webhooks stopped reaching our endpoint since yesterday, we get nothing in the logs.",
        "The app crashes when I open the history of my {product}.",
        "After a factory reset the {product} won't pair again.",
        "API returns 429 all the time even though we send only a few requests.",
        "Battery on my {product} drains in two days instead of weeks. Faulty?",
        "the rain gauge on my {product} reports rain on dry days",
        "Firmware update has been stuck at 40% since this morning.",
        "Dashboard shows 'no data' for {n} of our sensors although they are online.",
        "My {product} arrived yesterday and won't turn on at all, the LED stays dark.",
        "Humidity on the {product} has been stuck at exactly 100% since we mounted it outdoors.",
        "The CSV export button for my {product} is greyed out. How do I get the raw data?",
        "The clock of the {product} is {n} hours off, so every chart is shifted.",
        "Bluetooth pairing fails on Android, the {product} never appears in the app's list.",
        "Our integration suddenly gets 401 Unauthorized with an API key that worked last week.",
        "SMS alerts stopped coming although the {product} readings are above our thresholds.",
        "The screen of the {product} flickers when it's below freezing.",
        "We moved the {product} to another room and now it can't find the gateway.",
        "Can I roll the firmware of the {product} back? The new version broke our dashboard.",
        "Wind speed on the {product2} reads zero even on stormy days.",
    ],
    "account": [
        "I can't log in, the password reset e-mail never arrives.",
        "Please add my colleague as an admin on our Quorvane Cloud account.",
        "How do I turn on two-factor authentication?",
        "Our former employee still has access, please remove {name} from the account.",
        "I need to change the e-mail address on my account to my new work address.",
        "Can we merge two accounts? We accidentally created one per site.",
        "Please delete my account and all my data.",
        "I got locked out after too many login attempts.",
        "How do I transfer ownership of the account to {name}? I'm leaving the company.",
        "We hit the user limit, how do I see who is using a seat?",
        "Can I rename our organisation in the account settings?",
        "{name} set up our account with a private e-mail, can we move it to the company domain?",
        "The 2FA codes from my authenticator app are rejected, I changed phones on the {day}.",
        "Where do I find our organisation ID? Support asked me for it.",
        "hello, my login works in the app but the web dashboard says 'session expired' every few minutes",
        "We need single sign-on for {n} staff, is that possible on our {plan} account?",
        "Can I have a read-only user for our auditor?",
        "I accidentally removed myself as admin, and now nobody can manage the {plan} account.",
        "Please update the company name and billing contact on our profile to {name}.",
        "Why can't I invite more people? It says the {plan} seat limit is reached.",
        "My colleague's invitation link has expired, could you send a fresh one?",
        "Please reset two-factor for {name}, who lost their phone on the {day}.",
        "Can {name} get billing-only access without seeing any sensor data?",
        "Our {plan} account lists {n} users but we only have {m} employees. Who are the others?",
        "How do I change the display name {name} to a nickname?",
        "The security log shows a login from abroad on the {day}. Has my account been hacked?",
        "We're moving to a new legal entity; can our {plan} account keep its history?",
        "Could you unlock {name}? Too many wrong passwords this morning.",
        "Notifications should go to a shared inbox instead of {name}'s personal address.",
    ],
    "sales": [
        "We're a school district with {n} buildings, can we get a quote for {product} monitors?",
        "Do you offer volume discounts for {n}+ loggers?",
        "What's the difference between the {product} and the {product2}? Which should a dental clinic buy?",
        "Are you looking for resellers in Poland?",
        "Could we get a demo of the {plan} plan for our facilities team next week?",
        "Is there an education discount on the {product}?",
        "We need {n} weather stations for a vineyard network, who can we talk to?",
        "Does the {plan} plan come with an SLA? We're evaluating vendors.",
        "Can I try a {product} for a month before buying?",
        "Do you have a distributor in Japan?",
        "We want to upgrade our whole fleet to the {product2}, is there a trade-in offer?",
        "Could you send me your {product} price list in euros?",
        "We're opening {n} stores next year; could Quorvane monitor the air in all of them?",
        "Is there a partner programme for installers like us?",
        "What payment terms would you offer a public hospital buying {n} {product} devices?",
        "Does the {product2} come in white? Our architect is picky about colours.",
        "I'd like to discuss bundling {plan} with hardware for our own clients.",
        "Can you match a competitor's offer on {n} units of the {product}?",
        "Our university studies urban heat islands; do you lend equipment for research?",
        "Is the {product} available for rent for a three-month festival?",
        "Who is your account manager for the Benelux region?",
        "Do you sell refurbished {product} units at a lower price?",
    ],
    "warranty": [
        "My {product} stopped working after {n} months, is it still under warranty?",
        "The display on my {product} cracked by itself, can I get it repaired under warranty?",
        "How do I register my {product} for the warranty? I lost the invoice.",
        "I sent my {product} in for a warranty repair, how long will it take?",
        "Is a lightning-damaged {product} covered?",
        "Warranty claim for serial {serial}: sensor dead after {m} weeks.",
        "Does the warranty cover the lithium cell in my {product}?",
        "We bought {product} units through a reseller in Australia, which warranty applies?",
        "the replacement {product} you sent me broke too, does it get a fresh warranty?",
        "My {product} fan is rattling, it's 1 year old. Repair or replace?",
        "Water got into my {product} although it's sold as weatherproof. Is that covered?",
        "Can we extend the warranty on our {n} {product} units to five years?",
        "The {product} battery swelled after {m} months. Will you replace it free of charge?",
        "Does opening the case of the {product} to change the SD card void the guarantee?",
        "I bought a second-hand {product}; is the manufacturer's warranty transferred to me?",
        "Your technician says the fault on {serial} isn't covered. How can I appeal?",
        "The sensor in my {m}-month-old {product} drifts a bit more every week. Is that a defect?",
        "Who pays the postage when I send the {product} in for a warranty repair?",
        "We installed the {product} on a boat and it corroded within a year. Covered?",
        "How long is a repaired {product} guaranteed for?",
        "The power button of my {product} is stuck, it's only {m} months old.",
    ],
}

SLOTS = dict(
    plan=["Sprout", "Canopy", "Grove", "Forest"],
    product=["Ostrel A2", "Ostrel A2 Pro", "Ostrel A3", "Pivra W1", "Pivra W1 Plus", "Pivra W5", "Kestmoor K10",
             "Kestmoor K20", "Kestmoor K20 Marine"],
    code=["E-17", "E-23", "E-31", "E-42", "E-56"],
    name=["Jana Kowalczyk", "Pieter Claes", "Luis Moreira", "Sarah O'Brien", "Ken Tanaka"],
    inv=["INV-20417", "INV-20533", "INV-21006", "INV-21388"],
    order=["QO-88213", "QO-90146", "QO-90377", "QO-91502", "QO-92019"],
    day=["3rd", "12th", "21st", "28th"],
    year=["2023", "2024"],
    amt=["$41.00", "$113.00", "€95.40", "$389.00"],
    serial=["OS3-44710", "PV5-10233", "KM2-77801"],
)


TICKETS_PER_LABEL = 50
TICKETS_PER_TEMPLATE = 3  # at most this many fillings of one template, so no wording dominates a label
TICKETS_TEST_PER_LABEL = 14


def _ticket_groups(texts: list[str], template_of: list[int]) -> list[int]:
    """A group number per ticket: fillings of one template, joined with every ticket that is a near-duplicate
    (:func:`ragft.data.ticket_similarity` at or above the validator's limit) of one in the group."""
    from ragft.data import MAX_TICKET_SIMILARITY, ticket_similarity

    parent = list(range(len(texts)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_of: dict[int, int] = {}
    for i, t in enumerate(template_of):
        parent[find(i)] = find(first_of.setdefault(t, i))
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            if find(i) != find(j) and ticket_similarity(texts[i], texts[j]) >= MAX_TICKET_SIMILARITY:
                parent[find(i)] = find(j)
    return [find(i) for i in range(len(texts))]


def build_tickets() -> list[dict]:
    """Fill each label's templates, then split by *group*: every filling of a template, and anything close to
    it, lands on the same side, so a test ticket is never a train ticket with other numbers or names."""
    rng = random.Random(SEED + 2)
    made: list[tuple[str, str, int]] = []  # (text, label, template number)
    template_ids = {(label, i): n for n, (label, i) in enumerate(
        (label, i) for label, templates in TICKET_TEMPLATES.items() for i in range(len(templates)))}
    seen = set()
    for label, templates in TICKET_TEMPLATES.items():
        uses = [0] * len(templates)
        count, attempts = 0, 0
        while count < TICKETS_PER_LABEL and attempts < 5000:
            attempts += 1
            i = count if count < len(templates) else rng.randrange(len(templates))
            if uses[i] >= TICKETS_PER_TEMPLATE:
                continue
            fill = {k: rng.choice(v) for k, v in SLOTS.items()}
            fill["product2"] = rng.choice([p for p in SLOTS["product"] if p != fill["product"]])
            fill["n"] = rng.choice([3, 4, 6, 8, 12, 15, 20, 40])
            fill["m"] = rng.choice([1, 2, 5, 7])
            text = re.sub(r"\b([Aa]) (?=[AEIOU])", r"\1n ", templates[i].format(**fill))
            if text in seen:
                continue
            seen.add(text)
            uses[i] += 1
            count += 1
            made.append((text, label, template_ids[(label, i)]))
    groups = _ticket_groups([t for t, _, _ in made], [g for _, _, g in made])
    members: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    test: set[int] = set()
    for label in TICKET_TEMPLATES:
        # a label's groups in a seeded random order; take whole groups until the label has its test share
        own = sorted({groups[i] for i, (_, lab, _) in enumerate(made) if lab == label})
        rng.shuffle(own)
        n_test = sum(made[i][1] == label for g in test for i in members[g])
        for g in own:
            size = sum(made[i][1] == label for i in members[g])
            if n_test + size <= TICKETS_TEST_PER_LABEL:
                test.add(g)
                n_test += size
            if n_test >= TICKETS_TEST_PER_LABEL:
                break
    rows = [{"text": text, "label": label, "split": "test" if groups[i] in test else "train"}
            for i, (text, label, _) in enumerate(made)]
    rng.shuffle(rows)
    return [{"id": f"t{n:04d}", **row} for n, row in enumerate(rows, start=1)]


# --------------------------------------------------------------------------------------------------
# main


def write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "data", help="output data folder (default: data/)")
    args = ap.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    kb = {v: render_docs(v) for v in ("v1", "v2")}
    for version, docs in kb.items():
        folder = out / "kb" / version
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for doc_id, (title, updated, access, groups, body) in sorted(docs.items()):
            text = front_matter(doc_id, title, updated, access, groups) + body.strip() + "\n"
            (folder / f"{doc_id}.md").write_text(text, encoding="utf-8")

    confidential = {d for d, t in kb["v1"].items() if t[2] == "confidential"}
    facts = build_facts()
    questions, by_fact = build_questions(facts, confidential)
    write_jsonl(out / "questions.jsonl", questions)

    changes = []
    for f in facts:
        if isinstance(f["value"], tuple):
            qids = by_fact[f["fid"]]
            changes.append({"change": "fact", "fact_id": f["fid"], "question_id": qids[0], "question_ids": qids,
                            "doc_id": f["docs"][0], "old_answer": f["value"][0], "new_answer": f["value"][1]})
    for doc in sorted(set(kb["v2"]) - set(kb["v1"])):
        changes.append({"change": "added_doc", "doc_id": doc})
    for doc in sorted(set(kb["v1"]) - set(kb["v2"])):
        changes.append({"change": "retired_doc", "doc_id": doc})
    write_jsonl(out / "kb_changelog.jsonl", changes)

    (out / "confusable_groups.json").write_text(json.dumps(CONFUSABLE_GROUPS, indent=1, ensure_ascii=False) + "\n",
                                                encoding="utf-8")
    split_of = {}
    for q in questions:
        if q["split"] == "test_unseen":
            split_of[q["fact_id"]] = "unseen"
        else:
            split_of.setdefault(q["fact_id"], "train")
    write_jsonl(out / "house_format.jsonl", build_house_format(facts, split_of, confidential))
    write_jsonl(out / "tickets.jsonl", build_tickets())
    print(f"wrote {out}: {len(kb['v1'])} v1 docs, {len(kb['v2'])} v2 docs, {len(questions)} questions, "
          f"{sum(c['change'] == 'fact' for c in changes)} changed facts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
