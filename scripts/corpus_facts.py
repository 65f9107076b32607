"""The source of truth of the course corpus: every fact of the fictional company Quorvane Instruments.

``scripts/build_corpus.py`` renders the knowledge base (``data/kb/v1`` and ``data/kb/v2``), the
question sets and the changelog from the tables below. A value written ``(old, new)`` changes in
version 2 of the knowledge base. Edit here, then run ``python scripts/build_corpus.py``.

Quorvane Instruments, its people, products, prices and places are invented. Numbers are made
deliberately odd (29-month warranty, $347 price) so a model cannot guess them from general
knowledge.
"""

from __future__ import annotations

COMPANY = "Quorvane"
COMPANY_LONG = "Quorvane Instruments"

# --------------------------------------------------------------------------------------------------
# products: one public spec sheet each (three confusable families)

PRODUCT_ATTRS = ["price", "weight", "battery", "interval", "sku", "range", "storage", "launch"]

PRODUCTS = {
    # id: (name, family, {attr: value or (v1, v2)})
    "ostrel-a2": ("Ostrel A2", "ostrel", dict(
        price=("$347", "$329"), weight="412 g", battery="37 hours", interval="14 seconds",
        sku="QV-OS-2207", range="83 metres", storage="19 days", launch="September 2021")),
    "ostrel-a2-pro": ("Ostrel A2 Pro", "ostrel", dict(
        price=("$429", "$447"), weight="436 g", battery="41 hours", interval="12 seconds",
        sku="QV-OS-2231", range="91 metres", storage="26 days", launch="March 2022")),
    "ostrel-a3": ("Ostrel A3", "ostrel", dict(
        price=("$518", "$539"), weight="468 g", battery=("53 hours", "57 hours"), interval="8 seconds",
        sku="QV-OS-3104", range="117 metres", storage="34 days", launch="October 2023")),
    "pivra-w1": ("Pivra W1", "pivra", dict(
        price="$263", weight="1.17 kg", battery="9 days", interval="16 seconds",
        sku="QV-PV-1009", range="147 metres", storage="22 days", launch="May 2020")),
    "pivra-w1-plus": ("Pivra W1 Plus", "pivra", dict(
        price=("$311", "$298"), weight="1.29 kg", battery="12 days", interval="13 seconds",
        sku="QV-PV-1042", range="163 metres", storage="31 days", launch="February 2022")),
    "pivra-w5": ("Pivra W5", "pivra", dict(
        price=("$689", "$714"), weight="2.08 kg", battery="17 days", interval="6 seconds",
        sku="QV-PV-5011", range="238 metres", storage=("58 days", "64 days"), launch="June 2024")),
    "kestmoor-k10": ("Kestmoor K10", "kestmoor", dict(
        price="$139", weight="96 g", battery="71 days", interval="23 seconds",
        sku="QV-KM-1017", range="44 metres", storage="117 days", launch="January 2019")),
    "kestmoor-k20": ("Kestmoor K20", "kestmoor", dict(
        price=("$197", "$209"), weight="118 g", battery="94 days", interval="19 seconds",
        sku="QV-KM-2026", range="57 metres", storage="163 days", launch="August 2021")),
    "kestmoor-k20-marine": ("Kestmoor K20 Marine", "kestmoor", dict(
        price=("$254", "$266"), weight="143 g", battery="88 days", interval="17 seconds",
        sku="QV-KM-2029", range="61 metres", storage="149 days", launch="April 2023")),
}

# --------------------------------------------------------------------------------------------------
# Quorvane Cloud plans (public, confusable)

PLAN_ATTRS = ["plan_price", "plan_devices", "plan_retention", "plan_users", "plan_api", "plan_tier"]
PLANS = {
    "plan-sprout": ("Sprout", dict(
        plan_price=("$37 per month", "$41 per month"), plan_devices="13 devices", plan_retention="190 days",
        plan_users="4 users", plan_api=("170 requests per minute", "210 requests per minute"),
        plan_tier="Standard")),
    "plan-canopy": ("Canopy", dict(
        plan_price="$113 per month", plan_devices=("57 devices", "64 devices"), plan_retention="400 days",
        plan_users=("11 users", "14 users"), plan_api="450 requests per minute", plan_tier="Priority")),
    "plan-grove": ("Grove", dict(
        plan_price="$389 per month", plan_devices="240 devices", plan_retention=("790 days", "900 days"),
        plan_users="36 users", plan_api="1,300 requests per minute", plan_tier="Priority")),
    "plan-forest": ("Forest", dict(
        plan_price=("$1,240 per month", "$1,310 per month"), plan_devices="1,500 devices",
        plan_retention="1,900 days", plan_users="120 users", plan_api="4,800 requests per minute",
        plan_tier="Premier")),
}

# --------------------------------------------------------------------------------------------------
# warranty by region (public, confusable)

WARRANTY = {
    "warranty-eu": ("EU", "in the EU", "the European Union and EEA", dict(
        w_length="29 months", w_register="45 days", w_turnaround="11 business days")),
    "warranty-us": ("US", "in the US", "the United States", dict(
        w_length=("14 months", "18 months"), w_register="38 days", w_turnaround="9 business days")),
    "warranty-uk": ("UK", "in the UK", "the United Kingdom", dict(
        w_length="26 months", w_register=("41 days", "60 days"), w_turnaround="13 business days")),
    "warranty-apac": ("APAC", "in the Asia-Pacific region", "Australia, New Zealand, Japan and Singapore", dict(
        w_length="19 months", w_register="33 days", w_turnaround=("16 business days", "12 business days"))),
}

RETURNS = {
    "returns-consumer": ("consumer", "for consumers", dict(
        r_window=("27 days", "33 days"), r_fee="4 percent", r_refund="6 business days")),
    "returns-business": ("business", "for business customers", dict(
        r_window="19 days", r_fee=("11 percent", "8 percent"), r_refund="14 business days")),
}

SHIPPING = {
    "shipping-eu": ("EU", "within the EU", dict(
        s_time="4 business days", s_threshold=("€79", "€95"), s_courier="Larkpost")),
    "shipping-international": ("international", "outside the EU", dict(
        s_time=("9 business days", "7 business days"), s_threshold="$240", s_courier="Veldex Freight")),
}

SLA = {
    "support-standard": ("Standard", dict(sla_first="19 business hours", sla_sev1="5 business days",
                                          sla_hours="08:00 to 16:00 Helsinki time")),
    "support-priority": ("Priority", dict(sla_first=("6 hours", "4 hours"), sla_sev1="41 hours",
                                          sla_hours="07:00 to 21:00 Helsinki time")),
    "support-premier": ("Premier", dict(sla_first="38 minutes", sla_sev1="9 hours",
                                        sla_hours="around the clock")),
}

OFFICES = {
    "office-tampere": ("Tampere", dict(o_address="Satamakatu 41", o_manager="Aino Lehtisalo",
                                       o_desks="118 desks")),
    "office-ghent": ("Ghent", dict(o_address="Kortrijksesteenweg 212",
                                   o_manager=("Wouter Demeyere", "Lotte Vanhove"), o_desks="44 desks")),
    "office-porto": ("Porto", dict(o_address="Rua de Cedofeita 389", o_manager="Inês Barbosa Teles",
                                   o_desks=("37 desks", "52 desks"))),
    "office-halifax": ("Halifax", dict(o_address=("1874 Granville Street", "2290 Gottingen Street"),
                                       o_manager="Dana MacQuarrie", o_desks="29 desks")),
    "office-dunedin": ("Dunedin", dict(o_address="88 Cumberland Street", o_manager="Riya Tamatea",
                                       o_desks=("17 desks", "21 desks"))),
}

FIRMWARE = {
    "ostrel-firmware-3-1": ("Ostrel firmware 3.1", "Ostrel A2 and Ostrel A2 Pro", dict(
        fw_date="14 February 2023", fw_feature="radon trend alerts", fw_bug="BUG-4471", fw_code="E-17")),
    "ostrel-firmware-3-2": ("Ostrel firmware 3.2", "Ostrel A2, Ostrel A2 Pro and Ostrel A3", dict(
        fw_date="9 November 2023", fw_feature="quiet night mode", fw_bug="BUG-5203", fw_code="E-31")),
    "ostrel-firmware-3-3": ("Ostrel firmware 3.3", "Ostrel A3", dict(
        fw_date="22 July 2024", fw_feature="CO2 baseline relearning", fw_bug="BUG-5718", fw_code="E-42")),
    "pivra-firmware-5-0": ("Pivra firmware 5.0", "Pivra W1 Plus", dict(
        fw_date="3 April 2023", fw_feature="hail impact detection", fw_bug="BUG-4602", fw_code="P-08")),
    "pivra-firmware-5-1": ("Pivra firmware 5.1", "Pivra W5", dict(
        fw_date="17 September 2024", fw_feature="lightning distance estimation", fw_bug="BUG-5890",
        fw_code="P-14")),
}

# roles in the team directory: (role key, title, alias list, person v1/v2, office)
ROLES = [
    ("ceo", "CEO", ["Chief Executive Officer"], "Helmi Vaarankorpi", "Tampere"),
    ("cto", "CTO", ["Chief Technology Officer"], "Jonas Ekwueme-Lind", "Porto"),
    ("cfo", "CFO", ["Chief Financial Officer"], "Paula Strømberg-Ruiz", "Tampere"),
    ("support", "Head of Support", [], "Marit Kallenberg", "Ghent"),
    ("sales", "Head of Sales", [], ("Tobias Quennell", "Beatriz Solano"), "Halifax"),
    ("people", "Head of People", [], "Sanna Oravisto", "Dunedin"),
    ("security", "Head of Security", [], ("Idris Mabuza-Holt", "Noor Haddadin"), "Ghent"),
    ("hardware", "VP Hardware", ["Vice President of Hardware"], "Kalle Rintanen", "Tampere"),
]

ERROR_CODES = {
    "E-17": ("blocked air intake", "Clear dust from the intake grille on the back of the unit and restart it."),
    "E-23": ("sensor warm-up failure", "Leave the monitor powered for 40 minutes; if the code remains, "
                                       "request a sensor swap."),
    "E-31": ("clock drift", "Reconnect the device to Wi-Fi so it can resynchronise its clock."),
    "E-42": ("low battery cutoff", "Charge the monitor with the supplied USB-C cable for at least two hours."),
    "E-56": ("particle counter saturation", "Move the monitor away from cooking fumes or smoke and wait "
                                            "fifteen minutes."),
}

INCIDENTS = {
    "incident-2024-07": ("INC-2024-07", "July 2024 cloud ingest outage", dict(
        i_duration="6 hours 41 minutes", i_cause="expired TLS certificate", i_impact="1,947 customers",
        i_commander="Jonas Ekwueme-Lind")),
    "incident-2024-11": ("INC-2024-11", "November 2024 export bucket exposure", dict(
        i_duration="3 days 5 hours", i_cause="misconfigured export bucket", i_impact="212 customers",
        i_commander="Idris Mabuza-Holt")),
    "incident-2025-02": ("INC-2025-02", "February 2025 Pivra firmware rollback", dict(
        i_duration="27 hours", i_cause="unsigned bootloader patch", i_impact="413 customers",
        i_commander="Kalle Rintanen")),
}

BANDS = {  # engineering salary bands: top of band
    "L2": "€54,300", "L3": ("€71,400", "€74,200"), "L4": "€88,900", "L5": "€109,600",
}

# --------------------------------------------------------------------------------------------------
# one-off facts: fid -> (doc_id, value or (v1, v2), [five wordings: question, 3 paraphrases, test wording],
#                        answer sentence, extra aliases)

ONE_OFF = {
    # company overview (public)
    "f-company-founded": ("company-overview", "2013", [
        "In what year was Quorvane Instruments founded?",
        "When was Quorvane founded?",
        "What year did Quorvane Instruments start?",
        "Which year is Quorvane's founding year?",
        "How long has Quorvane existed, i.e. since which year has the firm been around?"],
        "Quorvane Instruments was founded in 2013.", []),
    "f-company-cofounder": ("company-overview", "Ossi Kettunen", [
        "Who co-founded Quorvane together with Helmi Vaarankorpi?",
        "Who is Quorvane's other co-founder besides Helmi Vaarankorpi?",
        "Besides Helmi Vaarankorpi, who founded Quorvane?",
        "Name the second co-founder of Quorvane Instruments.",
        "Helmi Vaarankorpi did not start the firm alone; which person started it with her?"],
        "Quorvane was co-founded by Helmi Vaarankorpi and Ossi Kettunen.", ["Kettunen"]),
    "f-company-employees": ("company-overview", ("187 employees", "203 employees"), [
        "How many employees does Quorvane have?",
        "What is Quorvane's headcount?",
        "How many people work at Quorvane Instruments?",
        "How large is the Quorvane workforce?",
        "Roughly how big is the staff of the company, counted in people on the payroll?"],
        "Quorvane has {v}.", []),
    "f-company-countries": ("company-overview", "34 countries", [
        "In how many countries does Quorvane sell its products?",
        "How many countries are Quorvane products sold in?",
        "In how many markets is Quorvane present?",
        "What is the number of countries where Quorvane sells?",
        "Across how many nations can customers buy the company's instruments?"],
        "Quorvane products are sold in 34 countries.", ["thirty-four countries"]),
    "f-company-hq": ("company-overview", "Tampere", [
        "Where is Quorvane headquartered?",
        "In which city is Quorvane's head office?",
        "Which city hosts the Quorvane headquarters?",
        "Where is the main office of Quorvane Instruments?",
        "The company's HQ is located in what town?"],
        "Quorvane is headquartered in Tampere, Finland.", []),
    # HR (internal)
    "f-hr-vacation": ("hr-leave-policy", "29 working days", [
        "How many days of annual vacation do Quorvane employees get?",
        "What is the annual leave entitlement at Quorvane?",
        "How many vacation days per year does a Quorvane employee have?",
        "How much paid holiday do staff get each year?",
        "If I join the company full-time, how much time off for rest will I be granted per calendar year?"],
        "Employees get 29 working days of paid vacation per year.", ["29 days"]),
    "f-hr-parental": ("hr-leave-policy", "23 weeks", [
        "How long is paid parental leave at Quorvane?",
        "How many weeks of parental leave does Quorvane pay?",
        "What is the paid parental leave entitlement?",
        "How much paid leave does a new parent get at Quorvane?",
        "After having a baby, for how long does the company keep paying a parent who stays home?"],
        "Quorvane pays 23 weeks of parental leave.", ["twenty-three weeks"]),
    "f-hr-stipend": ("hr-remote-work", ("€340 per year", "€380 per year"), [
        "How much is the home office stipend at Quorvane?",
        "What is the yearly remote work allowance?",
        "How much money do employees get for their home office each year?",
        "What home office budget does Quorvane give staff annually?",
        "To furnish a workspace at home, what sum can a staff member claim in a twelve-month period?"],
        "The home office stipend is {v}.", []),
    "f-hr-abroad": ("hr-remote-work", "38 days per year", [
        "How many days per year may employees work from abroad?",
        "What is the limit on working remotely from another country?",
        "How long can a Quorvane employee work outside their home country each year?",
        "What is the annual cap on work-from-abroad days?",
        "I'd like to spend part of the year doing my job from a foreign country; what's the maximum allowed?"],
        "Employees may work from abroad for up to 38 days per year.", ["38 days"]),
    "f-hr-learning": ("hr-learning-budget", ("€1,150 per year", "€1,300 per year"), [
        "What is the annual learning budget per employee?",
        "How much can each employee spend on training per year?",
        "What is the yearly education allowance at Quorvane?",
        "How big is the personal development budget for staff?",
        "For courses, books and certifications, what amount does the company fund per person annually?"],
        "Each employee has a learning budget of {v}.", []),
    "f-hr-conference": ("hr-learning-budget", "6 conference days", [
        "How many conference days per year can employees take?",
        "How many days of conference attendance are allowed annually?",
        "What is the yearly allowance of conference days?",
        "How many paid days for attending conferences does an employee get?",
        "If I want to go to industry events, how many working days a year can I use for that?"],
        "Employees may take 6 conference days per year.", ["six conference days"]),
    "f-travel-perdiem": ("travel-policy-2024", ("€58 per day", "€62 per day"), [
        "What is the daily per diem for business travel?",
        "How much is the travel per diem under the current travel policy?",
        "What daily allowance do employees get when travelling for work?",
        "What is the per-day meal and incidentals allowance on business trips?",
        "While away on a work trip, what amount per 24 hours can be claimed for food and small costs?"],
        "The per diem for business travel is {v}.", []),
    "f-travel-hotel": ("travel-policy-2024", "€164 per night", [
        "What is the hotel cap for business travel?",
        "What is the maximum hotel rate employees may book?",
        "How much may a hotel room cost per night on a business trip?",
        "What is the nightly accommodation limit under the travel policy?",
        "When booking somewhere to sleep on a work trip, what is the most the company will cover for one night?"],
        "Hotels may cost up to €164 per night.", []),
    "f-travel-tool": ("travel-policy-2024", "Fernway Travel Desk", [
        "Which tool must employees use to book business travel?",
        "Where do Quorvane staff book their work trips?",
        "What booking service is mandatory for business travel?",
        "Which travel booking platform does Quorvane use?",
        "Flights and hotels for work have to be reserved through which system?"],
        "Business travel is booked through Fernway Travel Desk.", ["Fernway"]),
    # support articles (public)
    "f-reset-hold": ("factory-reset", ("13 seconds", "9 seconds"), [
        "How long must the reset button be held to factory reset a Quorvane device?",
        "For how many seconds do you hold the pinhole button to factory reset?",
        "How long do I press the reset button for a factory reset?",
        "What is the hold time for a factory reset?",
        "To wipe a monitor back to its original settings, how long should the tiny recessed button stay pressed?"],
        "Hold the pinhole button for {v} to factory reset the device.", []),
    "f-reset-led": ("factory-reset", "teal", [
        "What colour does the LED blink after a successful factory reset?",
        "Which LED colour confirms a factory reset?",
        "What colour is the status light after a factory reset completes?",
        "How does the LED show that the factory reset worked?",
        "Once the wipe has finished, the indicator lamp flashes in which hue?"],
        "The LED blinks teal three times when the reset succeeds.", ["three teal blinks"]),
    "f-calibration-interval": ("calibration-guide", ("190 days", "210 days"), [
        "How often should an Ostrel monitor be calibrated?",
        "What is the recommended calibration interval for Ostrel monitors?",
        "How frequently do Ostrel sensors need calibration?",
        "After how many days should Ostrel calibration be repeated?",
        "What period should pass between two sensor adjustments on an indoor air unit from the Ostrel line?"],
        "Calibrate Ostrel monitors every {v}.", []),
    "f-calibration-kit": ("calibration-guide", "QV-CAL-7", [
        "Which calibration kit is used for Ostrel monitors?",
        "What is the part number of the Ostrel calibration kit?",
        "Which kit do I need to calibrate an Ostrel?",
        "What calibration kit does Quorvane sell for Ostrel sensors?",
        "To adjust the sensors on my indoor air unit, which accessory set must I order?"],
        "Use calibration kit QV-CAL-7.", ["CAL-7"]),
    "f-pivra-height": ("pivra-installation", "2.3 metres", [
        "What is the recommended mounting height for a Pivra weather station?",
        "How high should a Pivra station be mounted?",
        "At what height should I install a Pivra weather station?",
        "What mounting height does Quorvane recommend for Pivra stations?",
        "How far above the ground should the outdoor weather unit sit?"],
        "Mount Pivra stations at 2.3 metres.", ["2.3 m", "2.3 meters"]),
    "f-pivra-clearance": ("pivra-installation", "4.5 metres", [
        "How far from walls should a Pivra station be installed?",
        "What clearance from buildings does a Pivra weather station need?",
        "What is the minimum distance between a Pivra station and a wall?",
        "How much space should be left between a Pivra and nearby structures?",
        "When choosing a spot for the outdoor weather unit, how far must it stay from the house?"],
        "Keep Pivra stations at least 4.5 metres from walls.", ["4.5 m", "4.5 meters"]),
    "f-api-token": ("cloud-api-guide", ("47 minutes", "55 minutes"), [
        "How long is a Quorvane Cloud API access token valid?",
        "What is the lifetime of a Quorvane Cloud API token?",
        "When does a Quorvane Cloud access token expire?",
        "How long do API access tokens last in Quorvane Cloud?",
        "After I get a bearer credential from the cloud interface, for how long can I keep using it?"],
        "API access tokens are valid for {v}.", []),
    "f-api-retries": ("cloud-api-guide", "11 retries", [
        "How many times does Quorvane Cloud retry a failed webhook?",
        "How many webhook retries does Quorvane Cloud make?",
        "What is the webhook retry count in Quorvane Cloud?",
        "How often is a failed webhook delivery retried?",
        "If my endpoint is down when an event fires, how many more delivery attempts will the platform make?"],
        "Failed webhooks are retried 11 times.", ["eleven retries", "11 times"]),
    "f-brand-colour": ("brand-guidelines", "#2F6D5B", [
        "What is Quorvane's primary brand colour?",
        "Which hex code is the main Quorvane brand colour?",
        "What is the hex value of Quorvane Fjord Green?",
        "What primary colour code does the Quorvane brand use?",
        "Designers making a new slide deck should use which hex value as the main colour?"],
        "The primary brand colour is Fjord Green, #2F6D5B.", ["2F6D5B"]),
    # confidential
    "f-sales-ae-base": ("salary-bands-sales", "€49,800", [
        "What is the base salary for an account executive at Quorvane?",
        "How much base pay does a Quorvane account executive earn?",
        "What is the AE base salary in the sales bands?",
        "What base salary is set for account executives?",
        "Before commission, what does someone selling to accounts earn per year?"],
        "The account executive base salary is €49,800.", []),
    "f-sales-commission": ("salary-bands-sales", "6.5 percent", [
        "What is the commission rate for account executives?",
        "What percentage commission do Quorvane AEs earn?",
        "How much commission does an account executive get on closed deals?",
        "What is the sales commission rate at Quorvane?",
        "On every signed deal, what cut do the people selling to accounts receive?"],
        "Account executives earn 6.5 percent commission.", ["6.5%"]),
    "f-sales-sdr-base": ("salary-bands-sales", "€38,700", [
        "What is the base salary of a sales development representative?",
        "How much base pay does an SDR earn at Quorvane?",
        "What is the SDR base salary?",
        "What base salary does Quorvane pay sales development reps?",
        "What yearly fixed pay does a junior prospecting rep get?"],
        "The SDR base salary is €38,700.", []),
    "f-exec-ceo-base": ("exec-compensation", "€186,000", [
        "What is the CEO's base salary?",
        "How much base salary does Quorvane's CEO earn?",
        "What is Helmi Vaarankorpi's base pay?",
        "What base salary does the chief executive receive?",
        "What fixed yearly pay does the person running the company get?"],
        "The CEO base salary is €186,000.", []),
    "f-exec-ceo-bonus": ("exec-compensation", "35 percent", [
        "What is the CEO's bonus target?",
        "What bonus target does Quorvane's CEO have?",
        "How large is the CEO's target bonus as a share of base salary?",
        "What is the target bonus percentage for the chief executive?",
        "On top of fixed pay, what share can the top executive earn as a yearly incentive?"],
        "The CEO bonus target is 35 percent of base salary.", ["35%"]),
    "f-heron-product": ("project-heron", "Ostrel A4", [
        "Which product is being developed under Project Heron?",
        "What is Project Heron's product?",
        "Which unreleased product is code-named Heron?",
        "What will Project Heron ship as?",
        "The secret codename Heron refers to which future device?"],
        "Project Heron is the Ostrel A4.", ["A4"]),
    "f-heron-price": ("project-heron", ("$579", "$599"), [
        "What is the target price of Project Heron?",
        "At what price is the Project Heron device planned to sell?",
        "What retail price is targeted for Project Heron?",
        "What is Project Heron's planned list price?",
        "How much will customers be asked to pay for the secret Heron device?"],
        "Project Heron targets a price of {v}.", []),
    "f-heron-sensor": ("project-heron", "formaldehyde sensor", [
        "Which new sensor does Project Heron add?",
        "What new sensor will the Project Heron device include?",
        "What sensor is new in Project Heron?",
        "What is the headline new sensor in Project Heron?",
        "The codename Heron device measures a new substance; which sensing part enables that?"],
        "Project Heron adds a formaldehyde sensor.", ["formaldehyde"]),
    "f-heron-manufacturer": ("project-heron", "Salvik Electronics", [
        "Which contract manufacturer builds Project Heron?",
        "Who manufactures the Project Heron device?",
        "What company is the Project Heron contract manufacturer?",
        "Which factory partner was chosen for Project Heron?",
        "The codename Heron units will be assembled by which outside firm?"],
        "Project Heron is built by Salvik Electronics.", ["Salvik"]),
    "f-tamarisk-battery": ("project-tamarisk", "212 days", [
        "What battery life is Project Tamarisk targeting?",
        "What is the target battery life of Project Tamarisk?",
        "How long should the Project Tamarisk logger run on one battery?",
        "What battery runtime goal does Project Tamarisk have?",
        "The codename Tamarisk logger aims to last how long before its cell is swapped?"],
        "Project Tamarisk targets 212 days of battery life.", []),
    "f-tamarisk-chip": ("project-tamarisk", "TM-9", [
        "Which chip does Project Tamarisk use?",
        "What is the name of the Project Tamarisk chip?",
        "Which microcontroller is planned for Project Tamarisk?",
        "What chip was selected for Project Tamarisk?",
        "The codename Tamarisk logger runs on which processor?"],
        "Project Tamarisk uses the TM-9 chip.", []),
    "f-tamarisk-name": ("project-tamarisk", "Kestmoor K30", [
        "Which product is Project Tamarisk?",
        "What will Project Tamarisk be sold as?",
        "What is the product name planned for Project Tamarisk?",
        "Which unreleased logger is code-named Tamarisk?",
        "The secret Tamarisk effort will reach the market under which name?"],
        "Project Tamarisk will ship as the Kestmoor K30.", ["K30"]),
    "f-board-round": ("board-minutes-2024-q4", "€14.5 million", [
        "How much money is Quorvane raising in its Series B?",
        "What is the size of Quorvane's planned Series B round?",
        "How big is the Series B that the board approved?",
        "What amount does the Series B round target?",
        "In the next equity funding round, how much capital does the company intend to raise?"],
        "The board approved a Series B of €14.5 million.", ["14.5 million euros"]),
    "f-board-target": ("board-minutes-2024-q4", "Halvik Sensors", [
        "Which company is Quorvane considering acquiring?",
        "What is Quorvane's acquisition target?",
        "Which company did the board discuss buying?",
        "Who is the target of Quorvane's planned acquisition?",
        "The directors talked about purchasing which other firm?"],
        "The board discussed acquiring Halvik Sensors.", ["Halvik"]),
    "f-pentest-vendor": ("pentest-report-2024", "Bastionfold Security", [
        "Which firm performed Quorvane's 2024 penetration test?",
        "Who ran the 2024 pentest for Quorvane?",
        "Which security vendor did the 2024 penetration test?",
        "What company conducted the 2024 pentest?",
        "The outside hackers hired to attack our systems in 2024 came from which company?"],
        "The 2024 penetration test was performed by Bastionfold Security.", ["Bastionfold"]),
    "f-pentest-findings": ("pentest-report-2024", "17 findings", [
        "How many findings did the 2024 penetration test report?",
        "How many issues did the 2024 pentest find?",
        "What was the number of findings in the 2024 pentest?",
        "How many vulnerabilities did the 2024 penetration test list?",
        "In total, how many weaknesses were written up after the outside hackers attacked us in 2024?"],
        "The 2024 penetration test reported 17 findings.", ["seventeen findings"]),
    "f-reorg-roles": ("reorg-plan-2025", ("23 roles", "31 roles"), [
        "How many roles are affected by the 2025 reorganisation?",
        "How many positions does the 2025 reorg plan affect?",
        "How many roles will the 2025 restructuring touch?",
        "What number of roles is in scope for the 2025 reorganisation?",
        "In next year's restructuring, how many jobs are expected to change or go away?"],
        "The 2025 reorganisation affects {v}.", []),
    "f-reorg-closure": ("reorg-plan-2025", "30 June 2025", [
        "When will the Dunedin office close under the reorganisation plan?",
        "What is the planned closure date of the Dunedin office?",
        "On what date does the reorg plan close Dunedin?",
        "When is the Dunedin office scheduled to shut?",
        "Under the restructuring, what is the last day for the New Zealand site?"],
        "The Dunedin office closes on 30 June 2025.", ["June 30, 2025", "2025-06-30"]),
    "f-nordhavn-discount": ("customer-contract-nordhavn", "31 percent", [
        "What discount does Nordhavn Utilities get?",
        "How large is the Nordhavn Utilities discount?",
        "What discount is in the Nordhavn Utilities contract?",
        "What percentage off list price does Nordhavn Utilities pay?",
        "Our biggest utility customer gets what reduction on list prices?"],
        "Nordhavn Utilities receives a 31 percent discount.", ["31%"]),
    "f-nordhavn-term": ("customer-contract-nordhavn", "43 months", [
        "How long is the Nordhavn Utilities contract?",
        "What is the term of the Nordhavn Utilities agreement?",
        "For how many months does the Nordhavn contract run?",
        "What contract length was signed with Nordhavn Utilities?",
        "The deal with our biggest utility customer lasts how long?"],
        "The Nordhavn Utilities contract runs for 43 months.", []),
}

# --------------------------------------------------------------------------------------------------
# multi-document questions: (fid, docs, answer, answer_parts, [wordings], answer sentence, aliases).
# Only one wording for facts that are never trained on (the builder decides the split).

MULTI = [
    ("f-multi-sprout-first", ["plan-sprout", "support-standard"], "19 business hours",
     ["Standard", "19 business hours"], [
         "What is the first response time for customers on the Sprout plan?",
         "How fast does support first respond to a Sprout plan customer?",
         "If I'm on the Sprout plan, how soon will support first reply?",
         "What initial response time comes with a Sprout subscription?",
         "A subscriber to the cheapest cloud tier opens a ticket; within how long will someone first answer?"],
     "Sprout includes Standard support, which first responds within 19 business hours.", []),
    ("f-multi-forest-first", ["plan-forest", "support-premier"], "38 minutes",
     ["Premier", "38 minutes"], [
         "What is the first response time for customers on the Forest plan?",
         "How quickly does support first respond to a Forest plan customer?",
         "If my company is on the Forest plan, how soon will support first reply?",
         "What initial response time comes with a Forest subscription?",
         "An enterprise subscriber on the biggest cloud tier raises a case; how long until the first answer?"],
     "Forest includes Premier support, which first responds within 38 minutes.", []),
    ("f-multi-canopy-sev1", ["plan-canopy", "support-priority"], "41 hours",
     ["Priority", "41 hours"], [
         "What is the severity-1 resolution target for customers on the Canopy plan?",
         "How fast are severity-1 issues resolved for Canopy plan customers?",
         "On the Canopy plan, what is the target time to resolve a severity-1 problem?",
         "What sev-1 resolution target applies to a Canopy subscription?",
         "A customer on the second-cheapest cloud tier hits a critical outage; by when should it be fixed?"],
     "Canopy includes Priority support, with a 41-hour severity-1 resolution target.", []),
    ("f-multi-grove-hours", ["plan-grove", "support-priority"], "07:00 to 21:00 Helsinki time",
     ["Priority", "07:00 to 21:00"], [
         "What are the support hours for customers on the Grove plan?",
         "When is support available to Grove plan customers?",
         "During which hours can a Grove customer reach support?",
         "What support opening hours come with a Grove subscription?",
         "A customer on the third cloud tier wants to phone for help; in what time window is that possible?"],
     "Grove includes Priority support, available 07:00 to 21:00 Helsinki time.", ["07:00 to 21:00"]),
    ("f-multi-support-address", ["team-directory", "office-ghent"], "Kortrijksesteenweg 212",
     ["Ghent", "Kortrijksesteenweg 212"], [
         "What is the street address of the office where the Head of Support works?",
         "At which address does the Head of Support work?",
         "Where is the Head of Support's office located (street address)?",
         "What is the office address of Quorvane's Head of Support?",
         "I want to send a parcel to the person leading the support team; what street and number should I use?"],
     "The Head of Support works in Ghent, at Kortrijksesteenweg 212.", []),
    ("f-multi-hardware-desks", ["team-directory", "office-tampere"], "118 desks",
     ["Tampere", "118 desks"], [
         "How many desks are there in the office where the VP Hardware works?",
         "How many desks does the VP Hardware's office have?",
         "What is the desk count of the office the VP Hardware is based in?",
         "How big, in desks, is the office of Quorvane's VP Hardware?",
         "The person leading hardware sits in an office with room for how many people at desks?"],
     "The VP Hardware is based in Tampere, which has 118 desks.", []),
    ("f-multi-people-manager", ["team-directory", "office-dunedin"], "Riya Tamatea",
     ["Dunedin", "Riya Tamatea"], [
         "Who manages the office where the Head of People is based?",
         "Who is the office manager at the Head of People's office?",
         "Which office manager runs the office that the Head of People works from?",
         "Who looks after the office the Head of People sits in?",
         "The person leading HR works at a site run by which office manager?"],
     "The Head of People is based in Dunedin, managed by Riya Tamatea.", ["Tamatea"]),
    ("f-multi-hq-manager", ["company-overview", "office-tampere"], "Aino Lehtisalo",
     ["Tampere", "Aino Lehtisalo"], [
         "Who is the office manager at Quorvane's headquarters?",
         "Who manages the Quorvane head office?",
         "Which office manager runs the headquarters?",
         "Who is in charge of the HQ office?",
         "At the main site of the company, who handles the building and the desks?"],
     "The headquarters is in Tampere, where Aino Lehtisalo is office manager.", ["Lehtisalo"]),
    ("f-multi-marine-return", ["kestmoor-k20-marine", "returns-business"], "19 days",
     ["business returns policy", "19 days"], [
         "What is the return window for a Kestmoor K20 Marine?",
         "How long do I have to return a Kestmoor K20 Marine?",
         "Within how many days can a Kestmoor K20 Marine be returned?",
         "What return period applies to the Kestmoor K20 Marine?",
         "I bought a boat logger from the Kestmoor range and want to send it back; how long do I have?"],
     "The K20 Marine falls under the business returns policy, which allows 19 days.", []),
    ("f-multi-w5-refund", ["pivra-w5", "returns-business"], "14 business days",
     ["business returns policy", "14 business days"], [
         "How long does a refund take for a returned Pivra W5?",
         "How long is the refund processing time for a Pivra W5 return?",
         "After returning a Pivra W5, when will I get my money back?",
         "What refund processing time applies to the Pivra W5?",
         "We sent back our top-end weather station; how soon will the money reach our account?"],
     "The Pivra W5 falls under the business returns policy: refunds take 14 business days.", []),
    ("f-multi-fw32-code", ["ostrel-firmware-3-2", "ostrel-error-codes"], "clock drift",
     ["E-31", "clock drift"], [
         "What does the error code fixed in Ostrel firmware 3.2 mean?",
         "Ostrel firmware 3.2 fixed false alarms of one error code; what does that code mean?",
         "Which problem does the error code addressed by Ostrel firmware 3.2 indicate?",
         "What is the meaning of the error that Ostrel firmware 3.2 stopped raising wrongly?",
         "The November 2023 Ostrel update silenced a spurious fault code; what condition does it stand for?"],
     "Firmware 3.2 fixed false E-31 alarms; E-31 means clock drift.", []),
    ("f-multi-fw33-code", ["ostrel-firmware-3-3", "ostrel-error-codes"], "low battery cutoff",
     ["E-42", "low battery cutoff"], [
         "What does the error code fixed in Ostrel firmware 3.3 mean?",
         "Ostrel firmware 3.3 fixed false alarms of one error code; what does that code mean?",
         "Which problem does the error code addressed by Ostrel firmware 3.3 indicate?",
         "What is the meaning of the error that Ostrel firmware 3.3 stopped raising wrongly?",
         "The July 2024 Ostrel update silenced a spurious fault code; what condition does it stand for?"],
     "Firmware 3.3 fixed false E-42 alarms; E-42 means low battery cutoff.", []),
    ("f-multi-fw51-sku", ["pivra-firmware-5-1", "pivra-w5"], "QV-PV-5011",
     ["Pivra W5", "QV-PV-5011"], [
         "What is the SKU of the product that Pivra firmware 5.1 was released for?",
         "Pivra firmware 5.1 targets one station; what is its SKU?",
         "Which SKU does the device supported by Pivra firmware 5.1 have?",
         "What product code belongs to the station that gets Pivra firmware 5.1?",
         "The September 2024 weather-station update is for one model; which catalogue number does it have?"],
     "Pivra firmware 5.1 is for the Pivra W5, SKU QV-PV-5011.", []),
    ("f-multi-fw50-sku", ["pivra-firmware-5-0", "pivra-w1-plus"], "QV-PV-1042",
     ["Pivra W1 Plus", "QV-PV-1042"], [
         "What is the SKU of the product that Pivra firmware 5.0 was released for?"], "", []),
    ("f-multi-inc07-role", ["incident-2024-07", "team-directory"], "CTO",
     ["Jonas Ekwueme-Lind", "CTO"], [
         "What is the job title of the incident commander of INC-2024-07?",
         "What role does the person who commanded INC-2024-07 hold?",
         "The incident commander for INC-2024-07 has which title at Quorvane?",
         "Which position does the INC-2024-07 incident commander have?",
         "During the July 2024 cloud outage, the person in charge of the response holds what job?"],
     "Jonas Ekwueme-Lind commanded INC-2024-07; he is the CTO.", ["Chief Technology Officer"]),
    ("f-multi-inc02-office", ["incident-2025-02", "team-directory"], "Tampere",
     ["Kalle Rintanen", "Tampere"], [
         "In which office is the incident commander of INC-2025-02 based?"], "", []),
    ("f-multi-tamarisk-office", ["project-tamarisk", "team-directory"], "Tampere",
     ["Kalle Rintanen", "Tampere"], [
         "In which office does the Project Tamarisk lead work?"], "", []),
    ("f-multi-k10-w1-total", ["kestmoor-k10", "pivra-w1"], "$402",
     ["$139", "$263"], [
         "What is the combined list price of a Kestmoor K10 and a Pivra W1?"], "", ["402 dollars"]),
    ("f-multi-w5-w1-weight", ["pivra-w5", "pivra-w1"], "910 g",
     ["2.08 kg", "1.17 kg"], [
         "How much heavier is the Pivra W5 than the Pivra W1?"], "", ["0.91 kg", "910 grams"]),
    ("f-multi-k10-storage-diff", ["kestmoor-k10", "kestmoor-k20"], "46 days",
     ["117 days", "163 days"], [
         "How many more days of readings does the Kestmoor K20 store than the Kestmoor K10?"], "", []),
    ("f-multi-hq-desks", ["company-overview", "office-tampere"], "118 desks",
     ["Tampere", "118 desks"], [
         "How many desks does the office in Quorvane's headquarters city have?"], "", []),
    ("f-multi-cto-address", ["team-directory", "office-porto"], "Rua de Cedofeita 389",
     ["Porto", "Rua de Cedofeita 389"], [
         "What is the street address of the office where the CTO works?"], "", []),
    ("f-multi-inc11-city", ["incident-2024-11", "team-directory"], "Ghent",
     ["Idris Mabuza-Holt", "Ghent"], [
         "In which city is the office of the person who commanded INC-2024-11?"], "", []),
]

# --------------------------------------------------------------------------------------------------
# unanswerable questions: plausible, about Quorvane, but the knowledge base does not say

UNANSWERABLE = [
    "What is the price of the Ostrel A2 wall-mount bracket?",
    "What is the battery life of the Pivra W3?",
    "Who is the office manager of the Lyon office?",
    "What is Quorvane's stock ticker symbol?",
    "How much revenue did Quorvane make in 2023?",
    "What is the warranty length in Brazil?",
    "What is the SKU of the Kestmoor K15?",
    "What is the maximum altitude at which the Ostrel A3 can operate?",
    "How many parking spaces does the Tampere office have?",
    "What is the name of the CEO's dog?",
    "Which font does Quorvane use in its logo?",
    "What is the screen resolution of the Pivra W5 display?",
    "How much does the Quorvane Cloud Sprout plan cost per year with the student discount?",
    "What is the phone number of the Halifax office?",
    "Who was Quorvane's first customer?",
    "What is the return window for customers in Japan buying through Amazon?",
    "How many patents does Quorvane hold?",
    "What is the dental insurance provider for Quorvane employees?",
    "What is the bonus target of the CTO?",
    "How many devices were sold in 2024?",
    "What is the noise level of the Ostrel A2 Pro fan in decibels?",
    "Which cloud provider hosts Quorvane Cloud?",
    "What is the minimum order quantity for resellers?",
    "How many support agents work in the Porto office?",
    "What is the waterproof depth rating of the Kestmoor K20 Marine?",
    "When will Project Heron be announced to the press?",
    "What was the root cause of incident INC-2023-05?",
    "Who is the Head of Marketing at Quorvane?",
    "What is the gym membership subsidy for Quorvane staff?",
    "How much does shipping to Antarctica cost?",
    "What is the IP rating of the Kestmoor K10?",
    "What is the Wi-Fi password of the Ghent office?",
    "How many languages does the Ostrel companion app support?",
    "What is the price of extended warranty for the Pivra W1 Plus?",
    "Which university did Helmi Vaarankorpi attend?",
    "What is the lunch budget for team offsites?",
    "What is the annual salary of an L1 engineer?",
    "When does the Quorvane summer party 2025 take place?",
    "What is the charging time of the Ostrel A3?",
    "What is the CO2 measurement accuracy of the Ostrel A2?",
    "How many employees work in the Halifax office?",
    "What is the API rate limit for the free trial?",
    "Which courier does Quorvane use for same-day delivery in Tampere?",
    "What did the 2022 penetration test find?",
    "What is the carbon footprint of a Pivra W5?",
]
