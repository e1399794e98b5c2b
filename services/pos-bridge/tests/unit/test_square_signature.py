"""Square webhook signatures: the official SDK's known-answer vector (square-python-sdk
tests/integration/test_webhooks_helper.py), and what must never verify."""
from __future__ import annotations

from pos_bridge.adapters.square.webhooks import square_signature, verify_square_signature

# Square's own test vector: body, key, URL and the signature Square sent for them.
BODY = (b'{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-'
        b'18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-'
        b'407e-b46e-3231809b1129"}}')
SIGNATURE = "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4="
KEY = "Ibxx_5AKakO-3qeNVR61Dw"
URL = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9"


def test_the_square_sdk_vector_verifies():
    assert square_signature(KEY, URL, BODY) == SIGNATURE
    assert verify_square_signature(KEY, URL, BODY, SIGNATURE)


def test_the_escaped_body_vector_verifies():
    assert verify_square_signature("signature-key", "https://webhook.site/webhooks",
                                   b'{"data":{"type":"webhooks","id":">id<"}}',
                                   "Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U=")


def test_what_must_not_verify():
    assert not verify_square_signature(KEY, URL.replace("https", "http"), BODY, SIGNATURE)  # behind a proxy
    assert not verify_square_signature("MCmhFRxGX82xMwg5FsaoQA", URL, BODY, SIGNATURE)
    assert not verify_square_signature(KEY, URL, BODY + b" ", SIGNATURE)
    assert not verify_square_signature(KEY, URL, BODY, "1z2n3DEJJiUPKcPzQo1ftvbxGdw=")
    for missing in ((None, URL, SIGNATURE), (KEY, None, SIGNATURE), (KEY, URL, None), ("", URL, SIGNATURE),
                    (KEY, URL, "")):
        key, url, signature = missing
        assert not verify_square_signature(key, url, BODY, signature)
