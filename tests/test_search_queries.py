"""Queries as people type them (ar/fr/en), each with the page that must come in the top 3.

Run against the online search here, and against the offline index with the phone's own code
(static/js/search.js, under Node when it is installed; e2e/test_offline_search.py does it in Chromium).
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN_SEARCH_JS = """
const fs = require("fs");
global.window = { addEventListener() {} };
global.document = { documentElement: { lang: "", dataset: {} }, addEventListener() {} };
global.navigator = {};
new Function(fs.readFileSync(process.argv[1], "utf8"))();
const [index, queries] = JSON.parse(fs.readFileSync(0, "utf8"));
console.log(JSON.stringify(queries.map(q => window.offlineSearchIndex(index, q).slice(0, 3).map(e => e.u))));
"""

# (language, what people type, "service" or "service/task" that must come in the top 3)
QUERIES = [
    ("ar", "عطلة مرضية", "sick-leave"),
    ("ar", "العطلة المرضية", "sick-leave"),
    ("ar", "المرض", "sick-leave"),
    ("ar", "مرض", "sick-leave"),
    ("ar", "مرض مهني", "occupational-disease"),
    ("ar", "شفاء", "health-insurance/third-party-payment"),
    ("ar", "بطاقة الشفاء", "health-insurance/third-party-payment"),
    ("ar", "كارت الشفاء", "health-insurance/third-party-payment"),
    ("ar", "أمومة", "maternity"),
    ("ar", "عطلة الأمومة", "maternity/claim-maternity-allowances"),
    ("ar", "الحمل", "maternity/declare-pregnancy"),
    ("ar", "حادث العمل", "work-accident"),
    ("ar", "حادث شغل", "work-accident"),
    ("ar", "التصريح بحادث عمل", "work-accident/declare-work-accident"),
    ("ar", "منحة الوفاة", "death-grant"),
    ("ar", "الوفاة", "death-grant"),
    ("ar", "معاش العجز", "invalidity"),
    ("ar", "نظارات الأطفال", "children-glasses"),
    ("ar", "الطبيب العائلي", "family-doctor"),
    ("ar", "الأمراض المزمنة", "long-term-illnesses"),
    ("ar", "٢٦ مرضا", "long-term-illnesses"),
    ("ar", "الحمامات المعدنية", "thermal-cures"),
    ("ar", "المنح العائلية", "family-allowances"),
    ("ar", "شهادة التوقف عن العمل", "sick-leave/sick-leave-certificate"),
    ("fr", "congé maladie", "sick-leave"),
    ("fr", "arret maladie", "sick-leave"),
    ("fr", "certificat d'arrêt de travail", "sick-leave/sick-leave-certificate"),
    ("fr", "accidant", "work-accident"),
    ("fr", "accident de travail", "work-accident"),
    ("fr", "déclarer un accident du travail", "work-accident/declare-work-accident"),
    ("fr", "maternite", "maternity"),
    ("fr", "congé maternité", "maternity/claim-maternity-allowances"),
    ("fr", "grossesse", "maternity/declare-pregnancy"),
    ("fr", "carte chifa", "health-insurance/third-party-payment"),
    ("fr", "remboursement médicaments", "health-insurance/reimbursement"),
    ("fr", "capital deces", "death-grant"),
    ("fr", "allocations familiales", "family-allowances"),
    ("fr", "prime scolaire", "family-allowances"),
    ("fr", "médecin de famille", "family-doctor"),
    ("fr", "maladie chronique", "long-term-illnesses"),
    ("fr", "cure thermale", "thermal-cures"),
    ("fr", "lunettes enfant", "children-glasses"),
    ("fr", "invaliditee", "invalidity"),
    ("fr", "DAS", "annual-salary-declaration"),
    ("fr", "AT01", "work-accident/declare-work-accident"),
    ("en", "sick note", "sick-leave/sick-leave-certificate"),
    ("en", "sick leave", "sick-leave"),
    ("en", "doctor's note", "sick-leave/sick-leave-certificate"),
    ("en", "maternity leave", "maternity/claim-maternity-allowances"),
    ("en", "pregnancy", "maternity/declare-pregnancy"),
    ("en", "work accident", "work-accident"),
    ("en", "acident", "work-accident"),
    ("en", "industrial injury", "work-accident"),
    ("en", "chifa card", "health-insurance/third-party-payment"),
    ("en", "refund medicines", "health-insurance/reimbursement"),
    ("en", "disability pension", "invalidity"),
    ("en", "death grant", "death-grant"),
    ("en", "child benefit", "family-allowances"),
    ("en", "GP", "family-doctor"),
    ("en", "chronic disease", "long-term-illnesses"),
    ("en", "occupational disease", "occupational-disease"),
    ("en", "glasses", "children-glasses"),
    ("en", "spa treatment", "thermal-cures"),
    ("en", "hire job seeker", "hiring-reductions/hire-job-seeker"),
]


def top3(app, lang, query):
    hits = app.extensions["catalog"].search_index.search(lang, query)[:3]
    return [service["id"] + (f"/{task['id']}" if task else "") for service, task in hits]


def test_there_are_enough_queries_in_every_language():
    assert len(QUERIES) >= 40
    assert {lang for lang, _, _ in QUERIES} == {"ar", "fr", "en"}


@pytest.mark.parametrize("lang, query, wanted", QUERIES)
def test_online_search_puts_the_wanted_page_in_the_top_3(app, lang, query, wanted):
    assert wanted in top3(app, lang, query)


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
@pytest.mark.skipif(not shutil.which("node"), reason="Node is not installed")
def test_offline_index_gives_the_same_top_3_as_online(app, client, lang):
    index = client.get(f"/offline-index/{lang}.json").json
    queries = [q for qlang, q, _ in QUERIES if qlang == lang]
    run = subprocess.run(["node", "-e", RUN_SEARCH_JS, str(ROOT / "webapp/static/js/search.js")], check=True,
                         input=json.dumps([index, queries]), capture_output=True, text=True, timeout=60)
    offline = dict(zip(queries, json.loads(run.stdout), strict=True))
    for query in queries:
        online = [f"/{lang}/services/{p}" for p in top3(app, lang, query)]
        assert offline[query] == online, query
