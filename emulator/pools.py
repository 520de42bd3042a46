"""Value pools of the generated data: channels, segments, pages, geography, names, numbers.

Everything here is constant; `installation.py` and `datagen.py` draw from these pools with
seeded random generators, so the same seed always gives the same data.
"""

from __future__ import annotations

import random

from . import schema

START_EPOCH = 1709251200  # 2024-03-01 00:00:00 UTC: the span crosses the March DST changes
SPAN_SECONDS = 90 * 86400  # initial triggers are spread over ~90 days whatever their count
FIRST_ROW_ID = 141247288  # the doc 002 batching example starts here

CUSTOM_FIELDS = ("pt_campaignSource", "c_gua_cid")

CHANNELS = (  # ch, src, chName, chType
    ("1", "direct", "Direct", "direct"),
    ("2", "google", "Organic Search", "seo"),
    ("3", "google", "Google Ads", "ppc"),
    ("4", "bing", "Microsoft Ads", "ppc"),
    ("5", "facebook", "Facebook", "social"),
    ("6", "newsletter", "Email", "email"),
    ("7", "referral", "Website Referrer", "ref"),
    ("8", "gdn", "Display", "display"),
    ("9", "awin", "Affiliate", "affiliate"),
    ("10", "youtube", "Video", "video"),
)
CHANNEL_WEIGHTS = (22, 25, 18, 5, 8, 6, 6, 4, 4, 2)
OFFLINE = ("0", "", "Unknown", "offline")
PBX_CHANNELS = (
    ("0", "", "PBX Outbound", "pbxOutbound"),
    ("0", "", "PBX Internal", "pbxInternal"),
    ("0", "", "PBX DDI", "pbxDdi"),
)
SEGMENTS = (  # segment, segmentName, segmentRef, segmentGroupId, segmentGroupName
    ("4", "test2", "test2", "0", "Default"),
    ("5", "Retail", "retail", "1", "Customers"),
    ("6", "Trade", "trade", "1", "Customers"),
    ("7", "Prospects", "prospects", "0", "Default"),
)
PAGES = (
    ("/", "Example Ltd | Widgets & Gadgets"),
    ("/products/widgets", "Widgets | Example Ltd"),
    ("/products/pro-widget", 'The "Pro" Widget – Example Ltd'),  # noqa: RUF001  (non-ASCII on purpose)
    ("/products/gadgets", "Gadgets | Example Ltd"),
    ("/pricing", "Pricing | Example Ltd"),
    ("/locations/cafe", "Café Locations | Example Ltd"),
    ("/blog/widget-tips", "Blog: 10 tips for widget owners"),
    ("/blog/o-reilly-review", "Review: O'Reilly's widget guide"),
    ("/contact", "Contact Us | Example Ltd"),
    ("/quote", "Request a Quote | Example Ltd"),
    ("/basket", "Basket | Example Ltd"),
    ("/checkout", "Checkout | Example Ltd"),
    ("/thank-you", "Thank You | Example Ltd"),
)
REFERRERS = (
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://www.facebook.com/",
    "https://news.example.org/widgets-roundup",
    "",
)
KEYWORDS = (
    "blue widgets",
    "widget repair",
    "buy gadgets online",
    "pro widget price",
    "widgets near me",
    "(not provided)",
)
CAMPAIGNS = (
    ("Brand - UK", "Brand Exact"),
    ("Widgets - Generic", "Widgets Broad"),
    ("Gadgets - Shopping", "All Gadgets"),
    ("Remarketing", "Past Visitors"),
)
GEOS = (  # country, city, continent, region, postcode, area, lat, long
    ("GB", "London", "EU", "England", "SW1A", "London", "51.5074", "-0.1278"),
    ("GB", "Manchester", "EU", "England", "M1", "Greater Manchester", "53.4808", "-2.2426"),
    ("GB", "Leeds", "EU", "England", "LS1", "West Yorkshire", "53.8008", "-1.5491"),
    ("GB", "Bristol", "EU", "England", "BS1", "Bristol", "51.4545", "-2.5879"),
    ("GB", "Glasgow", "EU", "Scotland", "G1", "Glasgow City", "55.8642", "-4.2518"),
    ("IE", "Dublin", "EU", "Leinster", "D01", "Dublin", "53.3498", "-6.2603"),
    ("US", "New York", "NA", "New York", "10001", "New York", "40.7128", "-74.0060"),
    ("FR", "Paris", "EU", "Ile-de-France", "75001", "Paris", "48.8566", "2.3522"),
    ("", "", "", "", "", "", "0.0000", "0.0000"),
)
ISPS = (  # whois, host domain ('' = no reverse DNS)
    ("BT Public Internet Service", "btcentralplus.com"),
    ("Virgin Media Limited", "virginm.net"),
    ("Sky Broadband", "sky.com"),
    ("TalkTalk Communications Limited", "talktalk.net"),
    ("Vodafone Limited", ""),
    ("Infinity Call Tracking, Ltd", "infinity.co"),
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.3 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
)
RESOLUTIONS = ("1920x1080", "2560x1440", "1366x768", "390x844", "412x915", "1440x900")
CALL_STATES = (
    "NORMAL_CLEARING_A",
    "NORMAL_CLEARING_A",
    "NORMAL_CLEARING_A",
    "NORMAL_CLEARING_B",
    "NO_ANSWER",
    "USER_BUSY",
    "ORIGINATOR_CANCEL",
    "NO_USER_RESPONSE",
    "UNALLOCATED_NUMBER",
    "NORMAL_TEMPORARY_FAILURE_B",
)
OPERATORS = ("jane.smith", "tom.jones", "priya.patel", "sam.okafor", "li.wei", "")
CURRENCIES = ("GBP", "GBP", "GBP", "EUR", "USD")
ONLINE_GOALS = ("246", "543", "763", "356")
CALL_GOALS = ("801", "802")
ECOMMERCE_GOAL = "900"
ORG_NAMES = (
    "Head Office",
    "North Region",
    "South Region",
    "Manchester Branch",
    "Leeds Branch",
    "London Branch",
    "Bristol Branch",
    "Online Sales",
    "Partner Network",
)
DGRP_NAMES = (
    "Sales",
    "Support",
    "PPC Pool",
    "Brochure Line",
    "Billing",
    "Bookings",
    "Service Desk",
    "Display Pool",
    "SEO Pool",
    "Newspaper Ad",
    "Radio Ad",
    "Trade Line",
)
AREA_CODES = ("0203", "0161", "0113", "0117", "0141", "0800")
CAMPAIGN_SOURCES = ("spring_sale", "newsletter_apr", "partner_feed", "brand_tv")
NOTE_TEXTS = (
    "Called back, left voicemail",
    "Interested in the Pro range",
    "Wants a quote",
    'Said "call after 5pm"',
    "Existing customer",
)

CALL_BLANK = {f: ("0" if f in schema.NUMERIC_FIELDS else "") for f in schema.CALL}
TXN_BLANK = {"txr": "", "txv": "0.00", "txc": "", "goalValue": "0.00", "goalCurrency": "", "outcomeType": ""}


def phone(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choices("0123456789", k=11 - len(prefix)))


def hex_digits(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def uuid_like(rng: random.Random) -> str:
    h = hex_digits(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"
