"""Benefit estimators declared in content/ with their task: the schema that validates them at
load, reading the typed answers, and the computation. Amounts are whole centimes and rates
basis points (1 % = 100), so the same integer steps give the same result here and in
static/js/estimator.js, which computes from the rules the page embeds (see `client_rules`)."""

import itertools
import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..digits import ascii_digits

SLUG = validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", error="use lowercase words joined by '-'")
WHEN = re.compile(r"^([a-z0-9-]+)=([a-z0-9-]+)$")
MAX_MONEY = 100_000_000  # DA: keeps every integer step below 2**53 in JavaScript
MAX_COUNT = 1000


def _text(required=True):
    return fields.Nested("I18nText", required=required)  # webapp.catalog.schema.I18nText


def _rate(**kw):
    return fields.Float(validate=validate.Range(min=0, max=100), **kw)


def _when():
    return fields.String(validate=validate.Regexp(WHEN, error="write input-id=answer-id"))


class Option(Schema):
    id = fields.String(required=True, validate=SLUG)
    label = _text()


class Input(Schema):
    """A question of the form: an amount in DA, a whole number, one answer of a list, yes/no."""

    id = fields.String(required=True, validate=SLUG)
    kind = fields.String(required=True, validate=validate.OneOf(("money", "count", "choice", "yesno")))
    label = _text()
    hint = _text(required=False)
    unit = fields.String(validate=validate.OneOf(("day", "month")))  # count: what is counted
    min = fields.Integer(strict=True, load_default=1, validate=validate.Range(min=0, max=MAX_COUNT))
    max = fields.Integer(strict=True, load_default=MAX_COUNT, validate=validate.Range(min=1, max=MAX_COUNT))
    default = fields.Integer(strict=True)
    options = fields.List(fields.Nested(Option), load_default=list)


class Figure(Schema):
    """A published figure the rule uses (the SNMG), a monthly amount in DA, and when it was read."""

    id = fields.String(required=True, validate=SLUG)
    value = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=MAX_MONEY))
    as_of = fields.Date(required=True)
    label = _text()
    note = _text(required=False)  # where the figure comes from


class Rate(Schema):
    """A percentage of the base, for the units from..to (all when there are no units), if `when`."""

    rate = _rate(required=True)
    start = fields.Integer(strict=True, data_key="from", load_default=1, validate=validate.Range(min=1))
    to = fields.Integer(strict=True, validate=validate.Range(min=1))
    when = _when()
    label = _text()


class Floor(Schema):
    """The amount cannot be lower than `rate` % of `times` × a figure (if `when`)."""

    figure = fields.String(required=True)
    times = fields.Integer(strict=True, load_default=1, validate=validate.Range(min=1, max=100))
    rate = _rate(load_default=100)
    when = _when()
    label = _text()


class Extra(Schema):
    """An increase of `rate` % of the amount (if `when`)."""

    rate = _rate(required=True)
    when = _when()
    label = _text()


class Estimator(Schema):
    """amount = Σ over units of base × times × rate, at least the floor, plus the extras;
    then optionally divided into equal shares, and per month for a yearly amount."""

    id = fields.String(required=True, validate=SLUG)
    title = _text()
    result = _text()
    cite = _text()
    inputs = fields.List(fields.Nested(Input), required=True, validate=validate.Length(min=1, max=5))
    figures = fields.List(fields.Nested(Figure), load_default=list)
    base = fields.String(required=True)
    times = fields.Integer(strict=True, load_default=1, validate=validate.Range(min=1, max=100))
    units = fields.String()
    rates = fields.List(fields.Nested(Rate), required=True, validate=validate.Length(min=1))
    floors = fields.List(fields.Nested(Floor), load_default=list)
    extras = fields.List(fields.Nested(Extra), load_default=list)
    share = fields.String()
    also_monthly = fields.Boolean(load_default=False)

    @validates_schema
    def consistent(self, data, **kwargs):
        if "inputs" not in data or "rates" not in data:
            return
        inputs = {i["id"]: i for i in data["inputs"]}
        figures = {f["id"] for f in data.get("figures", [])}
        errors = {}
        base = inputs.get(data.get("base"), {}).get("kind")
        if base != "money" and data.get("base") not in figures:
            errors["base"] = ["must name a money input or a figure"]
        for key in ("units", "share"):
            if key in data and inputs.get(data[key], {}).get("kind") != "count":
                errors[key] = ["must name a count input"]
        if "units" in data and "unit" not in inputs.get(data["units"], {}):
            errors["units"] = ["its input needs a unit (day or month)"]
        for i, item in enumerate(data["inputs"]):
            if (item["kind"] == "choice") != bool(item["options"]) or len(item["options"]) == 1:
                errors[f"inputs[{i}].options"] = ["a choice has two options or more; only a choice has options"]
            if item["min"] > item["max"] or not item["min"] <= item.get("default", item["min"]) <= item["max"]:
                errors[f"inputs[{i}].default"] = ["min ≤ default ≤ max"]
        for where, items in (("rates", data["rates"]), ("floors", data.get("floors", [])),
                             ("extras", data.get("extras", []))):
            for i, item in enumerate(items):
                if "when" in item and _answers(item["when"]) not in _choices(inputs):
                    errors[f"{where}[{i}].when"] = [f"{item['when']!r}: no such input and answer"]
                if where == "floors" and item["figure"] not in figures:
                    errors[f"{where}[{i}].figure"] = [f"{item['figure']!r} is not in figures"]
        if not errors:
            errors.update(_uncovered(data, inputs))
        if errors:
            raise ValidationError(errors)


def _answers(when: str) -> tuple[str, str]:
    return tuple(WHEN.match(when).groups())


def _choices(inputs: dict) -> set[tuple[str, str]]:
    pairs = set()
    for item in inputs.values():
        answers = [o["id"] for o in item["options"]] if item["kind"] == "choice" else ["yes", "no"]
        pairs.update((item["id"], a) for a in answers if item["kind"] in ("choice", "yesno"))
    return pairs


def _uncovered(data: dict, inputs: dict) -> dict:
    """Every unit, for every combination of answers, must meet a rate."""
    asked = [i for i in inputs.values() if i["kind"] in ("choice", "yesno")]
    answers = [[o["id"] for o in i["options"]] if i["kind"] == "choice" else ["yes", "no"] for i in asked]
    last = inputs[data["units"]]["max"] if "units" in data else 1
    for combination in itertools.product(*answers):
        values = {i["id"]: a for i, a in zip(asked, combination, strict=True)}
        for unit in range(1, last + 1):
            if _rate_for(data["rates"], values, unit) is None:
                return {"rates": [f"no rate for unit {unit} when {values}"]}
    return {}


def _applies(item: dict, values: dict) -> bool:
    return "when" not in item or values.get(_answers(item["when"])[0]) == _answers(item["when"])[1]


def _rate_for(rates: list[dict], values: dict, unit: int) -> int | None:
    for index, rate in enumerate(rates):
        if _applies(rate, values) and rate["start"] <= unit <= rate.get("to", unit):
            return index
    return None


MONEY = re.compile(r"^[0-9]+([.,][0-9]{1,2})?$")
GROUPED = re.compile(r"^[1-9][0-9]{0,2}([.,][0-9]{3})+$")


def parse_money(text: str) -> int | None:
    """Centimes from "1500", "1 500,50", "1.500", "١٥٠٠٫٥"; None when not an amount."""
    text = re.sub(r"[\s\u00a0\u202f\u066c']", "", ascii_digits(text)).replace("\u066b", ",")
    if GROUPED.match(text):
        text = re.sub(r"[.,]", "", text)
    if not MONEY.match(text):
        return None
    whole, _, cents = text.replace(",", ".").partition(".")
    value = int(whole) * 100 + int(cents.ljust(2, "0") or 0)
    return value if 0 < value <= MAX_MONEY * 100 else None


def read(estimator: dict, args) -> tuple[dict, dict, dict]:
    """(what was typed, the values read, the errors by input id) from a query string."""
    typed, values, errors = {}, {}, {}
    for item in estimator["inputs"]:
        raw = (args.get(item["id"]) or "")[:40].strip()
        typed[item["id"]] = raw
        if item["kind"] == "money":
            values[item["id"]] = parse_money(raw)
        elif item["kind"] == "count":
            number = ascii_digits(raw)
            ok = number.isascii() and number.isdigit() and item["min"] <= int(number) <= item["max"]
            values[item["id"]] = int(number) if ok else None
        elif item["kind"] == "choice":
            values[item["id"]] = raw if raw in {o["id"] for o in item["options"]} else None
        else:
            values[item["id"]] = "yes" if raw == "yes" else "no"
        if values[item["id"]] is None:
            errors[item["id"]] = item["kind"]
    return typed, values, errors


def pct(amount: int, bp: int) -> int:
    """amount × bp / 10000, rounded half up, in steps that stay exact below 2**53."""
    high, low = divmod(amount, 10000)
    return high * bp + (low * bp + 5000) // 10000


def divide(amount: int, parts: int) -> int:
    """amount / parts rounded half up."""
    whole, rest = divmod(amount, parts)
    return whole + (2 * rest >= parts)


def bp(rate: float) -> int:
    return round(rate * 100)


def compute(estimator: dict, values: dict) -> dict:
    """The lines of the estimate and its total, in centimes (the values must be valid)."""
    figures = {f["id"]: f["value"] * 100 for f in estimator["figures"]}
    base = values.get(estimator["base"]) or figures.get(estimator["base"])
    per_unit = base * estimator["times"]
    count = values[estimator["units"]] if "units" in estimator else 1
    lines, total = [], 0
    for unit in range(1, count + 1):
        index = _rate_for(estimator["rates"], values, unit)
        if lines and lines[-1]["rate"] == index:
            lines[-1]["last"] = unit
        else:
            lines.append({"rate": index, "first": unit, "last": unit})
    for line in lines:
        rate = bp(estimator["rates"][line["rate"]]["rate"])
        line["amount"] = pct(per_unit * (line["last"] - line["first"] + 1), rate)
        total += line["amount"]
    unit = next((i["unit"] for i in estimator["inputs"] if i["id"] == estimator.get("units")), None)
    result = {"lines": lines, "unit": unit, "floor": None, "extras": []}
    for index, floor in enumerate(estimator["floors"]):
        least = pct(figures[floor["figure"]] * floor["times"], bp(floor["rate"]))
        if _applies(floor, values) and total < least:
            total, result["floor"] = least, {"floor": index, "amount": least}
            break
    added = 0
    for index, extra in enumerate(estimator["extras"]):
        if _applies(extra, values):
            result["extras"].append({"extra": index, "amount": pct(total, bp(extra["rate"]))})
            added += result["extras"][-1]["amount"]
    result["total"] = total = total + added
    result["monthly"] = divide(total, 12) if estimator["also_monthly"] else None
    shares = values[estimator["share"]] if "share" in estimator else 1
    result["shares"] = shares
    result["each"] = divide(total, shares) if shares > 1 else None
    return result


def money(centimes: int, decimal: str, group: str) -> str:
    """1234550 → "12,345.50" with the locale's separators; no decimals for whole dinars."""
    whole, cents = divmod(centimes, 100)
    digits = f"{whole:,}".replace(",", group)
    return f"{digits}{decimal}{cents:02d}" if cents else digits


def client_rules(estimator: dict, lang: str) -> dict:
    """What estimator.js needs to compute and write the estimate in the page's language."""
    def pick(items, *keys):
        return [{**{k: i[k] for k in keys if k in i}, "label": i["label"][lang],
                 **({"bp": bp(i["rate"])} if "rate" in i else {})} for i in items]
    inputs = [{k: i[k] for k in ("id", "kind", "min", "max", "unit") if k in i} for i in estimator["inputs"]]
    for item, source in zip(inputs, estimator["inputs"], strict=True):
        if source["kind"] == "choice":
            item["options"] = [o["id"] for o in source["options"]]
    return {
        "inputs": inputs, "base": estimator["base"], "times": estimator["times"],
        "units": estimator.get("units"), "share": estimator.get("share"), "monthly": estimator["also_monthly"],
        "figures": {f["id"]: f["value"] * 100 for f in estimator["figures"]},
        "rates": pick(estimator["rates"], "start", "to", "when"),
        "floors": pick(estimator["floors"], "figure", "times", "when"),
        "extras": pick(estimator["extras"], "when"),
        "result": estimator["result"][lang],
    }
