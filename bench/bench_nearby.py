"""(c) "events within 5 km" over 100,000 events: the API against the same query in raw SQL (pgbench).

The events are seeded in their own database (`crewup_bench`): 70 % spread over Sweden and
Norway, 30 % around ten cities, which is where the queries land. The API runs under gunicorn;
pgbench runs the API's own SQL, taken from its selector (one query: the page of 20 nearest with
the total), with as many clients as wrk has connections. EXPLAIN of that query must show the
GiST index.
Targets: API throughput >= 0.30x pgbench's, API p95 <= 20 ms.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from lib import (
    DURATION,
    ROOT,
    ROUNDS,
    Figures,
    gunicorn,
    load_dotenv,
    median_of,
    print_rounds,
    print_table,
    wrk,
)

EVENTS = int(os.environ.get("BENCH_EVENTS", "100000"))
RADIUS_KM = 5
SPREAD_DEG = 0.05
CITIES = [
    (59.3293, 18.0686), (57.7089, 11.9746), (55.6050, 13.0038), (65.5848, 22.1567),
    (63.8258, 20.2630), (59.8586, 17.6389), (59.9139, 10.7522), (60.3913, 5.3221),
    (63.4305, 10.3951), (69.6492, 18.9553),
]  # fmt: skip
CONNECTIONS = int(os.environ.get("BENCH_NEARBY_CONNECTIONS", "4"))
# Bump when SEED_SQL changes, so an old bench database is seeded again.
SEED_VERSION = "2"

SEED_SQL = """
BEGIN;
TRUNCATE events_participation, events_event CASCADE;
INSERT INTO accounts_user (id, created_at, updated_at, password, is_superuser, keycloak_id, username,
                           email, first_name, last_name, is_active, is_staff, is_banned)
VALUES ('00000000-0000-0000-0000-00000000b001', now(), now(), '!', false, 'bench-organizer',
        'bench', '', '', '', true, false, false)
ON CONFLICT (keycloak_id) DO NOTHING;
DROP TABLE IF EXISTS bench_city;
CREATE TABLE bench_city (id int PRIMARY KEY, lat float8, lng float8);
INSERT INTO bench_city VALUES {cities};
INSERT INTO events_event (id, created_at, updated_at, title, description, event_type, starts_at,
    ends_at, venue_name, address, location, capacity, visibility, status, organizer_id,
    going_count, interested_count, waitlist_count)
SELECT gen_random_uuid(), now(), now(), 'Bench event ' || i, 'Live music, food and friends.',
       (ARRAY['bar','club','concert','party','restaurant','outdoor','sports','other'])[1 + i % 8],
       now() + (i % 60) * interval '1 day', now() + (i % 60) * interval '1 day' + interval '3 hours',
       'Venue ' || i, 'Street ' || i,
       CASE WHEN i % 10 < 7
         THEN ST_SetSRID(ST_MakePoint(5 + random() * 19, 55 + random() * 14), 4326)::geography
         ELSE (SELECT ST_SetSRID(ST_MakePoint(c.lng + (random() - 0.5) * 0.7,
                                              c.lat + (random() - 0.5) * 0.35), 4326)::geography
               FROM bench_city c WHERE c.id = 1 + (i / 10) % 10)
       END,
       CASE WHEN i % 3 = 0 THEN 50 END, CASE WHEN i % 20 = 0 THEN 'private' ELSE 'public' END,
       'scheduled', '00000000-0000-0000-0000-00000000b001', 0, 0, 0
FROM generate_series(1, {events}) AS i;
COMMENT ON TABLE bench_city IS '{version}';
COMMIT;
ANALYZE events_event;
"""


def psql(database: str, sql: str) -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-Atq"],
        input=sql, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def prepare_database(env: dict[str, str]) -> None:
    exists = psql(
        "postgres", "SELECT count(*) FROM pg_database WHERE datname = 'crewup_bench'"
    ).strip()
    if exists == "0":
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", "crewup_bench"], check=True
        )
    subprocess.run(
        [sys.executable, "moderation_service/manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    count = int(psql("crewup_bench", "SELECT count(*) FROM events_event").strip() or 0)
    version = psql(
        "crewup_bench", "SELECT obj_description(to_regclass('bench_city'), 'pg_class')"
    ).strip()
    if count != EVENTS or version != SEED_VERSION:
        print(f"seeding {EVENTS} events ...", file=sys.stderr)
        cities = ", ".join(f"({n}, {lat}, {lng})" for n, (lat, lng) in enumerate(CITIES, start=1))
        psql("crewup_bench", SEED_SQL.format(cities=cities, events=EVENTS, version=SEED_VERSION))


def api_query(env: dict[str, str]) -> tuple[str, str]:
    """The API's own nearby query, from its selector: EXPLAIN for a city, and a pgbench script.

    The script is the selector's SQL with the values bound as the API binds them, but the
    centre (`:lat`, `:lng`, set per transaction like wrk's) and the time (`now()`).
    """
    code = f"""
import json
from datetime import UTC, datetime
import django
django.setup()
from django.db import connection
from shared.events.selectors import EventFilters, Near, event_search_query

def query(lat, lng, now):
    filters = EventFilters(near=Near(lat=lat, lng=lng, radius_km={RADIUS_KM}))
    return event_search_query(viewer_id=None, filters=filters, now=now, offset=0, limit=20)

sql, params = query({CITIES[3][0]}, {CITIES[3][1]}, datetime.now(UTC))
with connection.cursor() as cursor:
    cursor.execute("EXPLAIN " + sql, params)
    plan = "\\n".join(row[0] for row in cursor.fetchall())
sql, params = query(1111.5, 2222.5, datetime(2001, 2, 3, tzinfo=UTC))
script = (
    " ".join(connection.ops.compose_sql(sql, params).split())
    .replace("1111.5", ":lat").replace("2222.5", ":lng")
    .replace("'2001-02-03 00:00:00+00:00'::timestamptz", "now()")
)
print(json.dumps({{"plan": plan, "script": script}}))
"""
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT / "event_service",
        env={**env, "DJANGO_SETTINGS_MODULE": "event_service.settings", "PYTHONPATH": str(ROOT / "event_service")},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    answer = json.loads(output.strip().splitlines()[-1])
    return answer["plan"], answer["script"]


def pgbench(duration_s: int, sql: str) -> Figures:
    """Run `sql` with pgbench, a script per city picked at random, centres spread as wrk's."""
    with tempfile.TemporaryDirectory() as directory:
        scripts = []
        for number, (lat, lng) in enumerate(CITIES):
            script = Path(directory) / f"city{number}.sql"
            script.write_text(
                f"\\set dlat random(-1000, 1000)\n"
                f"\\set dlng random(-1000, 1000)\n"
                f"\\set lat {lat} + :dlat * {SPREAD_DEG / 1000}\n"
                f"\\set lng {lng} + :dlng * {2 * SPREAD_DEG / 1000}\n"
                f"{sql};\n"
            )
            scripts += ["-f", str(script)]
        subprocess.run(
            ["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-n", "-c", str(CONNECTIONS),
             "-j", "2", "-T", str(duration_s), *scripts, "-l",
             "--log-prefix", str(Path(directory) / "log"), "crewup_bench"],
            capture_output=True, text=True, check=True, cwd=directory,
        )  # fmt: skip
        latencies_us: list[int] = []
        for log in Path(directory).glob("log*"):
            for line in log.read_text().splitlines():
                fields = line.split()
                latencies_us.append(int(fields[2]))
    latencies_us.sort()

    def percentile(p: float) -> float:
        return latencies_us[min(len(latencies_us) - 1, int(len(latencies_us) * p))] / 1000

    return Figures(
        name="same SQL via pgbench",
        requests_per_second=len(latencies_us) / duration_s,
        p50_ms=percentile(0.50),
        p95_ms=percentile(0.95),
        p99_ms=percentile(0.99),
        errors=0,
    )


def main() -> None:
    env = {
        **load_dotenv(),
        "DATABASE_URL": "postgis://postgres@127.0.0.1:5432/crewup_bench",
    }
    prepare_database(env)
    plan, sql = api_query(env)
    print("## EXPLAIN of the API's nearby query (100,000 events)\n")
    print("```\n" + plan.strip() + "\n```")
    uses_index = "events_event_location_gist" in plan and "Seq Scan on events_event" not in plan

    nearby = f"{RADIUS_KM};{SPREAD_DEG};" + ";".join(f"{lat},{lng}" for lat, lng in CITIES)
    duration = int(DURATION.rstrip("s"))
    apis, raws = [], []
    with gunicorn("event_service.wsgi", port=18002, chdir=ROOT / "event_service", env=env) as url:
        wrk("warm-up", f"{url}/api/v1/events/", nearby=nearby, connections=CONNECTIONS)
        for _ in range(ROUNDS):
            apis.append(
                wrk(
                    f"API nearby {RADIUS_KM} km",
                    f"{url}/api/v1/events/",
                    nearby=nearby,
                    connections=CONNECTIONS,
                )
            )
            raws.append(pgbench(duration, sql))
    api, raw = median_of(apis), median_of(raws)
    print_table(
        f"Nearby search, {EVENTS} events, {CONNECTIONS} concurrent clients"
        f" (medians of {ROUNDS} rounds)",
        [(api, raw, 0.30, f"(c); p95 {api.p95_ms:.1f} ms, target <= 20 ms")],
    )
    print()
    print_rounds("API against pgbench", apis, raws)
    print(f"\nspatial index used: {'yes' if uses_index else 'NO'}; API p95 <= 20 ms: "
          f"{'yes' if api.p95_ms <= 20 else 'NO'}")  # fmt: skip
    if api.errors or not uses_index:
        sys.exit(1)


if __name__ == "__main__":
    main()
