"""The kitchen display's Server-Sent Events parser (entrypoints/kds/sse.js) in Debian's Chromium.

The page reads the stream with fetch() (the token goes in a header, EventSource cannot send one), so it
parses text/event-stream itself. Here the parser gets bytes cut at awkward places (inside a CRLF, inside
a multi-byte character, inside a field name), comments (heartbeats), multi-line data and the three line
endings; the events must come out as the format says (WHATWG HTML 9.2.6).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from orders.entrypoints.kds_static import KDS_DIR

pytestmark = pytest.mark.unit

CHROMIUM = Path("/usr/bin/chromium")

# Chunks as the network may deliver them; the stream as a whole is what the server wrote.
CHUNKS = [
    ": heartbeat\r\n\r\n",
    "event: reset\r\nid: 41\r\ndata: {\"sequence\": 41}\r",     # CR of a CRLF at the end of a chunk
    "\n\r\nevent: tick",                                         # a field name cut in two
    "et\nid: 42\ndata: {\"name\": \"Cr\xe8me br",                # a multi-byte character cut (below)
    "\xfbl\xe9e\"}\n\n",
    "data: line one\rdata: line two\r\r",                       # CR line endings, two data lines
    "event: ticket\ndata\n\n",                                  # a field without a colon: empty data
    "id: 43\n\n",                                               # no data: only the position moves
    "event: ticket\ndata:no-space\n\n",
]


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is missing: run tools/bootstrap.sh"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.set_content("<!doctype html><title>sse</title>")
            page.add_script_tag(content=(KDS_DIR / "sse.js").read_text())
            yield page
        finally:
            browser.close()


def parse(page, chunks: list[bytes]) -> dict:
    return page.evaluate("""async (chunks) => {
        const bytes = chunks.map((c) => new Uint8Array(c));
        const body = new ReadableStream({ start(controller) { bytes.forEach((b) => controller.enqueue(b)); controller.close(); } });
        const events = []; let reads = 0;
        await readEventStream(body, (e) => events.push(e), () => { reads += 1; });
        return { events, reads };
    }""", [list(c) for c in chunks])


def test_events_come_out_whole_whatever_the_chunking(page):
    raw = "".join(CHUNKS).encode()
    # Cut the UTF-8 bytes inside the two-byte "è" as well as at the chunk borders above.
    cut = raw.index("\xe8".encode()) + 1
    chunks = [c.encode() for c in CHUNKS]
    joined = b"".join(chunks)
    assert joined == raw
    result = parse(page, [raw[:cut], raw[cut:]])
    by_chunks = parse(page, chunks)
    expected = [
        {"type": "reset", "data": '{"sequence": 41}', "id": "41"},
        {"type": "ticket", "data": '{"name": "Crème brûlée"}', "id": "42"},
        {"type": "message", "data": "line one\nline two", "id": None},
        {"type": "ticket", "data": "", "id": None},
        {"type": "id", "data": "", "id": "43"},
        {"type": "ticket", "data": "no-space", "id": None},
    ]
    assert result["events"] == expected
    assert by_chunks["events"] == expected
    assert by_chunks["reads"] == len(CHUNKS)       # every chunk counts as life (heartbeats too)
    assert json.loads(expected[1]["data"])["name"] == "Crème brûlée"


def test_one_byte_at_a_time(page):
    raw = "".join(CHUNKS).encode()
    events = parse(page, [raw[i:i + 1] for i in range(len(raw))])["events"]
    assert [e["type"] for e in events] == ["reset", "ticket", "message", "ticket", "id", "ticket"]
    assert events[1]["data"] == '{"name": "Crème brûlée"}'
