"""Operator commands for what the event plumbing set aside. Run with a service's environment
(DATABASE_URL, DB_SCHEMA; KAFKA_BOOTSTRAP_SERVERS for replay; OUTBOX_MAX_ATTEMPTS as the relay has it):

    python -m chassis.dead_letters list [--group G] [--all] [--limit N]
        dead letters not replayed yet (--all: replayed ones too), oldest first
    python -m chassis.dead_letters replay (ID... | --all) [--group G]
        re-publish each stored record to its topic with its key and headers, then mark it replayed.
        Every group reading the topic receives it again; those that handled it skip it by event id.
    python -m chassis.dead_letters outbox-parked
        outbox rows the relay gave up on (attempts >= OUTBOX_MAX_ATTEMPTS), with their last error
    python -m chassis.dead_letters outbox-retry (ID... | --all)
        un-park them (attempts = 0): the relay tries them again. Their key's later events were published
        while they were parked, so a retried event arrives after them: fix the cause first (create the
        topic, raise the size limit) and retry knowing consumers see it late.

Each command prints one JSON object per line (the rows listed or acted on).
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from sqlalchemy import text

from chassis.config import ServiceSettings, load_settings, require_settings
from chassis.consumer import decode_record, encode_record
from chassis.db import make_engine
from chassis.outbox import RelaySettings, parked_rows


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "backslashreplace")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dead_letter_json(row) -> dict:
    key, headers = decode_record(row.headers)
    document = row.headers if isinstance(row.headers, dict) else json.loads(row.headers)
    return {
        "id": row.id, "consumer_group": row.consumer_group, "topic": row.topic, "partition": row.partition,
        "offset": row.offset, "key": _text(key), "headers": {name: _text(value) for name, value in headers},
        "error": row.error, "created_at": _iso(row.created_at),
        "replayed_at": document.get("replayed_at") if "key" in document else None,
    }


DEAD_LETTER_COLUMNS = 'id, consumer_group, topic, partition, "offset", headers, payload, error, created_at'


def _select_dead_letters(connection, *, ids: list[int] | None, group: str | None, replayed_too: bool,
                         limit: int | None, lock: bool = False) -> list:
    where = ["(CAST(:group AS TEXT) IS NULL OR consumer_group = :group)"]
    if not replayed_too:
        where.append("NOT (jsonb_typeof(headers -> 'headers') = 'array' AND headers ? 'replayed_at')")
    if ids:
        where.append("id = ANY(CAST(:ids AS BIGINT[]))")
    sql = f"SELECT {DEAD_LETTER_COLUMNS} FROM dead_letters WHERE {' AND '.join(where)} ORDER BY id"  # noqa: S608 - fixed fragments, values bound
    if limit:
        sql += " LIMIT :limit"
    if lock:
        sql += " FOR UPDATE"
    return connection.execute(text(sql), {"group": group, "ids": ids or [], "limit": limit}).all()


def list_dead_letters(engine, args) -> list[dict]:
    with engine.connect() as connection:
        rows = _select_dead_letters(connection, ids=None, group=args.group, replayed_too=args.all, limit=args.limit)
    return [_dead_letter_json(row) for row in rows]


def replay(engine, settings: ServiceSettings, args) -> list[dict]:
    from kafka import KafkaProducer

    if not args.ids and not args.all:
        raise SystemExit("replay: give dead-letter ids or --all")
    require_settings(settings, "kafka_bootstrap_servers")
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers.split(","), acks="all",
                             enable_idempotence=True, client_id="dead-letter-replay", max_block_ms=10_000)
    replayed = []
    try:
        with engine.connect() as connection:
            ids = [row.id for row in _select_dead_letters(connection, ids=args.ids, group=args.group,
                                                          replayed_too=False, limit=None)]
        for dead_letter_id in ids:
            # One transaction per record: it is marked only once the broker acknowledged it.
            with engine.begin() as connection:
                rows = _select_dead_letters(connection, ids=[dead_letter_id], group=None, replayed_too=False,
                                            limit=None, lock=True)
                if not rows:
                    continue  # replayed by someone else meanwhile
                row = rows[0]
                key, headers = decode_record(row.headers)
                producer.send(row.topic, key=key, value=None if row.payload is None else bytes(row.payload),
                              headers=headers).get(timeout=30)
                document = encode_record(key, headers)
                document["replayed_at"] = datetime.now(UTC).isoformat()
                connection.execute(text("UPDATE dead_letters SET headers = CAST(:doc AS JSONB) WHERE id = :id"),
                                   {"doc": json.dumps(document), "id": row.id})
                replayed.append({**_dead_letter_json(row), "replayed_at": document["replayed_at"]})
    finally:
        producer.close(timeout=10)
    return replayed


def _outbox_json(row) -> dict:
    return {"id": row.id, "event_id": str(row.event_id), "topic": row.topic, "key": row.message_key,
            "event_type": row.event_type, "attempts": row.attempts, "last_error": row.last_error,
            "occurred_at": _iso(row.occurred_at)}


def outbox_parked(engine, max_attempts: int) -> list[dict]:
    with engine.connect() as connection:
        return [_outbox_json(row) for row in parked_rows(connection, max_attempts)]


def outbox_retry(engine, max_attempts: int, args) -> list[dict]:
    if not args.ids and not args.all:
        raise SystemExit("outbox-retry: give outbox row ids or --all")
    with engine.begin() as connection:
        rows = connection.execute(
            text("UPDATE outbox SET attempts = 0 WHERE published_at IS NULL AND attempts >= :max"
                 " AND (CAST(:all AS BOOLEAN) OR id = ANY(CAST(:ids AS BIGINT[])))"
                 " RETURNING id, event_id, topic, message_key, event_type, attempts, last_error, occurred_at"),
            {"max": max_attempts, "all": bool(args.all), "ids": args.ids or []},
        ).all()
        connection.execute(text("SELECT pg_notify(current_schema() || '_outbox', '')"))  # wake the relay
    return [_outbox_json(row) for row in sorted(rows, key=lambda r: r.id)]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m chassis.dead_letters", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="dead letters not replayed yet")
    listing.add_argument("--group", help="only this consumer group")
    listing.add_argument("--all", action="store_true", help="include replayed dead letters")
    listing.add_argument("--limit", type=int, default=None)
    replaying = commands.add_parser("replay", help="re-publish dead letters to their topics")
    replaying.add_argument("ids", nargs="*", type=int)
    replaying.add_argument("--all", action="store_true")
    replaying.add_argument("--group", help="only this consumer group")
    commands.add_parser("outbox-parked", help="outbox rows the relay parked")
    retrying = commands.add_parser("outbox-retry", help="un-park outbox rows")
    retrying.add_argument("ids", nargs="*", type=int)
    retrying.add_argument("--all", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = load_settings(ServiceSettings)
    engine = make_engine(settings.database_url, settings.db_schema, pool_size=1)
    max_attempts = RelaySettings().max_attempts
    try:
        if args.command == "list":
            rows = list_dead_letters(engine, args)
        elif args.command == "replay":
            rows = replay(engine, settings, args)
        elif args.command == "outbox-parked":
            rows = outbox_parked(engine, max_attempts)
        else:
            rows = outbox_retry(engine, max_attempts, args)
    finally:
        engine.dispose()
    for row in rows:
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
