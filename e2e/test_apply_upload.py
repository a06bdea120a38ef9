"""A document's photo from a phone in Arabic, with scripts on: downscaled on the phone, sent in
chunks; the network drops during the 2nd chunk and the upload goes on from what the server
has (never from 0), and the server keeps one document, at most 300 kB."""

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from apply_helpers import CUT, SAID, big_photo, phone_at_the_document_page, puts


def test_a_cut_upload_resumes_from_the_servers_offset(browser, server, tmp_path):
    if server.db is None:
        pytest.skip("reading the stored document needs the suite's own server")
    page = phone_at_the_document_page(browser, server.url, SAID, CUT)
    page.get_by_label("التقط صورة أو اختر ملفا").set_input_files(
        {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": big_photo()})
    page.get_by_role("button", name="إضافة هذا الملف").click()
    expect(page.get_by_role("button", name=re.compile("^احذف"))).to_have_count(1, timeout=20_000)
    said = page.evaluate("sessionStorage.said || ''")
    sent = puts(page)
    ids, offsets = {i for i, _ in sent}, [o for _, o in sent]
    cut = [int(page.evaluate("sessionStorage.wasCut || 0"))]
    assert "جار الإرسال" in said and "انقطع الاتصال" in said, (said, offsets)  # progress, then the cut, said
    page.screenshot(path=str(tmp_path / "done-ar-360.png"), full_page=True)

    assert cut[0] and offsets[0] == 0 and offsets.count(0) == 1, offsets  # never restarted at 0
    assert offsets == sorted(offsets), offsets
    assert [o for o in offsets if offsets.count(o) > 1] == [cut[0], cut[0]], offsets  # only the cut one again
    assert len(ids) == 1, ids  # one upload, resumed (not begun again)
    upload_id = ids.pop()
    with sqlite3.connect(server.db) as db:
        application, document, sent = db.execute(
            "SELECT application, document, size FROM application_upload WHERE token = ?", (upload_id,)).fetchone()
        rows = db.execute("SELECT id, content_type, size FROM application_document WHERE application = ?",
                          (application,)).fetchall()
    assert [r[0] for r in rows] == [document], rows  # one document, the upload's
    assert 128 * 1024 < sent <= 300 * 1024, sent  # downscaled on the phone (from over 1 MB)
    assert rows[0][1] == "image/jpeg" and rows[0][2] <= 300 * 1024, rows  # and still small once re-encoded
    assert len(offsets) >= 3  # more than one chunk went, and the cut one again
    assert page.evaluate("""new Promise(ok => { const r = indexedDB.open('cnas-apply');
        r.onsuccess = () => { const q = r.result.transaction('uploads').objectStore('uploads').count();
        q.onsuccess = () => ok(q.result); }; })""") == 0  # the bytes kept on the phone are gone


def test_a_pending_upload_is_offered_again_after_a_reload(browser, server, tmp_path):
    if server.db is None:
        pytest.skip("reading the stored document needs the suite's own server")
    page = phone_at_the_document_page(browser, server.url, CUT)
    page.evaluate("sessionStorage.cut = 'always'")  # the network is gone after the first chunk
    page.get_by_label("التقط صورة أو اختر ملفا").set_input_files(
        {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": big_photo()})
    page.get_by_role("button", name="إضافة هذا الملف").click()
    expect(page.get_by_role("status")).to_contain_text("انقطع الاتصال")
    expect(page.get_by_role("progressbar", name="إرسال الملف")).to_be_visible()
    page.screenshot(path=str(tmp_path / "waiting-ar-360.png"), full_page=True)
    page.evaluate("sessionStorage.cut = 'never'")
    offsets = [o for _, o in puts(page)]
    page.reload()  # the person gives up waiting and comes back later
    resume = page.get_by_role("button", name="استئناف إرسال photo.jpg")
    expect(resume).to_be_visible()
    page.screenshot(path=str(tmp_path / "resume-ar-360.png"), full_page=True)
    resume.click()
    expect(page.get_by_role("button", name=re.compile("^احذف"))).to_have_count(1, timeout=20_000)
    after = [o for _, o in puts(page)][len(offsets):]
    assert offsets[0] == 0 and after and after[0] == offsets[1] > 0, (offsets, after)  # from the server's offset
    assert 0 not in after
    assert page.get_by_role("button", name=re.compile("^استئناف")).count() == 0
