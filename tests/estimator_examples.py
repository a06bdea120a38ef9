"""Worked examples of the benefit estimators, computed by hand from the rules' text in
content/services/*.toml; used by tests/test_estimators.py (the server) and
e2e/test_estimators.py (the browser, online and offline)."""

from decimal import Decimal

SICK = "sick-leave/declare-sick-leave/daily-allowances"
ACCIDENT = "work-accident/work-accident-compensation/daily-allowances"
MATERNITY = "maternity/claim-maternity-allowances/maternity-allowances"
INVALIDITY = "invalidity/invalidity-pension-amounts/invalidity-pension"
DEATH = "death-grant/claim-death-grant/death-grant"
VOLUNTARY = "voluntary-affiliation/join-voluntary-affiliation/contributions"

# (estimator, answers, expected amounts in DA: "lines" in order, then the total, and when the
# rule has them, the monthly amount and each person's share). SNMG = 18,000 DA a month: the
# figure behind the fund's page (12 % of the SNMG = 2,160 DA, so SNMG = 2,160 / 0.12).
EXAMPLES = [
    # Sick leave, 20 days at 2,000 DA: days 1–15 at 50 % = 15 × 2,000 × 0.5 = 15,000;
    # days 16–20 at 100 % = 5 × 2,000 = 10,000; total 25,000.
    (SICK, {"wage": "2000", "days": "20"}, {"lines": ["15000", "10000"], "total": "25000"}),
    # Same, in hospital (or a long illness): 100 % from day 1 = 20 × 2,000 = 40,000.
    (SICK, {"wage": "2000", "days": "20", "full-rate": "yes"}, {"lines": ["40000"], "total": "40000"}),
    # Day 15 is still at 50 %: 15 × 1,000 × 0.5 = 7,500.
    (SICK, {"wage": "1000", "days": "15"}, {"lines": ["7500"], "total": "7500"}),
    # Day 16 is at 100 %: 7,500 + 1 × 1,000 = 8,500.
    (SICK, {"wage": "1000", "days": "16"}, {"lines": ["7500", "1000"], "total": "8500"}),
    # Centimes: 3 × 1,234.56 × 0.5 = 1,851.84.
    (SICK, {"wage": "1 234,56", "days": "3"}, {"lines": ["1851.84"], "total": "1851.84"}),
    # Half a centime rounds up: 3 × 1,000.01 × 0.5 = 1,500.015 → 1,500.02.
    (SICK, {"wage": "1000,01", "days": "3"}, {"lines": ["1500.02"], "total": "1500.02"}),
    # Work accident, 10 days after the day of the accident at 1,500 DA: 10 × 1,500 × 100 % = 15,000.
    (ACCIDENT, {"wage": "1500", "days": "10"}, {"lines": ["15000"], "total": "15000"}),
    # Maternity, 1,500.50 DA a day typed in Arabic-Indic digits: 98 × 1,500.50 × 100 % = 147,049.
    (MATERNITY, {"wage": "١٥٠٠٫٥٠"}, {"lines": ["147049"], "total": "147049"}),
    # Invalidity, 600,000 DA a year, category 1: 60 % = 360,000 (above the minimum,
    # 75 % × 12 × 18,000 = 162,000); a month: 360,000 / 12 = 30,000.
    (INVALIDITY, {"salary": "600000", "category": "1"}, {"lines": ["360000"], "total": "360000", "monthly": "30000"}),
    # Category 2: 80 % = 480,000; a month 40,000.
    (INVALIDITY, {"salary": "600000", "category": "2"}, {"lines": ["480000"], "total": "480000", "monthly": "40000"}),
    # Category 3: 80 % = 480,000, plus 40 % of the pension for another person's help = 192,000;
    # total 672,000; a month 56,000.
    (INVALIDITY, {"salary": "600000", "category": "3"},
     {"lines": ["480000"], "extra": "192000", "total": "672000", "monthly": "56000"}),
    # Low salary, 100,000 DA a year, category 1: 60 % = 60,000 is below the minimum
    # 75 % of the yearly SNMG = 0.75 × 216,000 = 162,000, so 162,000; a month 13,500.
    (INVALIDITY, {"salary": "100000", "category": "1"},
     {"lines": ["60000"], "floor": "162000", "total": "162000", "monthly": "13500"}),
    # Death grant, an employee whose best month was 30,000 DA: 12 × 30,000 = 360,000
    # (above 12 × SNMG = 216,000), one dependant.
    (DEATH, {"status": "employee", "monthly": "30000", "people": "1"}, {"lines": ["360000"], "total": "360000"}),
    # An employee at 15,000 DA: 12 × 15,000 = 180,000 is below 12 × 18,000 = 216,000, so
    # 216,000, shared equally by 3: 72,000 each.
    (DEATH, {"status": "employee", "monthly": "15000", "people": "3"},
     {"lines": ["180000"], "floor": "216000", "total": "216000", "each": "72000"}),
    # Shared by 7: 216,000 / 7 = 30,857.142… → 30,857.14 each.
    (DEATH, {"status": "employee", "monthly": "15000", "people": "7"},
     {"lines": ["180000"], "floor": "216000", "total": "216000", "each": "30857.14"}),
    # A pensioner with 1,000 DA a month: 12 × 1,000 = 12,000 is below 75 % of the SNMG =
    # 13,500, so 13,500.
    (DEATH, {"status": "pensioner", "monthly": "1000", "people": "1"},
     {"lines": ["12000"], "floor": "13500", "total": "13500"}),
    # A pensioner with 10,000 DA a month, 2 dependants: 12 × 10,000 = 120,000; 60,000 each.
    (DEATH, {"status": "pensioner", "monthly": "10000", "people": "2"},
     {"lines": ["120000"], "total": "120000", "each": "60000"}),
    # Voluntary affiliation, one month: 12 % × 18,000 = 2,160 (the fund's page says 2,160 DA).
    (VOLUNTARY, {"months": "1"}, {"lines": ["2160"], "total": "2160"}),
    # The three years it lasts: 36 × 2,160 = 77,760.
    (VOLUNTARY, {"months": "36"}, {"lines": ["77760"], "total": "77760"}),
]
IDS = [f"{path.split('/')[0]}-{'-'.join(answers.values())}" for path, answers, _ in EXAMPLES]


def in_words(lang: str, amount: str) -> str:
    """An amount in DA as each language writes it (written here by hand, not by the app)."""
    value = Decimal(amount)
    whole, cents = f"{int(value):,}", f"{value % 1:.2f}"[2:]
    group, decimal, pattern = {"en": (",", ".", "{} DA"), "fr": ("\u202f", ",", "{} DA"),
                               "ar": (".", ",", "{} دج")}[lang]
    digits = whole.replace(",", group) + (decimal + cents if cents != "00" else "")
    return pattern.format(digits)


def expected_lines(lang: str, expected: dict) -> list[str]:
    amounts = [in_words(lang, a) for a in expected["lines"]]
    amounts += [in_words(lang, expected["floor"])] if "floor" in expected else []
    amounts += ["+ " + in_words(lang, expected["extra"])] if "extra" in expected else []
    amounts += [in_words(lang, expected["total"])]
    amounts += [in_words(lang, expected[k]) for k in ("monthly", "each") if k in expected]
    return amounts
