#!/usr/bin/env python3
"""The kill -9 fault run (issue #20): the server is killed with SIGKILL under write load, again
and again, and after each kill every acknowledged write must be there exactly once, the
database's integrity check and the audit chain must pass, and the server must start again.

    python3 tests/fault/kill9.py JINDU_BIN sqlite|postgres [--rounds 5] [--seconds 6] [--writers 8]

SQLite: a fresh demo database in a temporary directory. PostgreSQL: a fresh database on
$JINDU_TEST_PG_URL's server (default postgres://postgres@127.0.0.1:5432/test), dropped at the end.

Each writer posts visits (走访) through the JSON API as a social worker, each with its own
Idempotency-Key and a note naming the key. A write counts as acknowledged when the answer was
201. After the kill the script restarts the server, reads every touched person's timeline and
counts, per key, the events whose note names it: acknowledged keys must count exactly 1, keys
whose answer never came 0 or 1 (the kill fell inside that write), none ever 2. It then retries
every unanswered key once (a client's retry after a cut) and checks that an already stored one
is answered with the stored event, not stored twice. Prints one line per round and a summary;
exits 1 at the first violation. Stdlib only.
"""
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import date, timedelta

PG_URL = os.environ.get("JINDU_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")


def arg(name, default):
    if name in sys.argv:
        return type(default)(sys.argv[sys.argv.index(name) + 1])
    return default


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(*cmd, check=True):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if check and p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    return p


class Api:
    def __init__(self, base, token):
        self.base, self.token = base, token

    def call(self, method, path, body=None, key=None, timeout=30):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if key:
            req.add_header("Idempotency-Key", key)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in ("sqlite", "postgres"):
        sys.exit(__doc__)
    binary, backend = os.path.abspath(sys.argv[1]), sys.argv[2]
    rounds, seconds, writers = arg("--rounds", 5), arg("--seconds", 6.0), arg("--writers", 8)
    work = tempfile.mkdtemp(prefix="jindu-kill9-")
    key_file = os.path.join(work, "demo.key")
    if backend == "sqlite":
        db = f"sqlite://{work}/demo.db"
    else:
        name = f"jindu_kill9_{os.getpid()}"
        run("psql", PG_URL, "-qc", f"DROP DATABASE IF EXISTS {name}", "-c", f"CREATE DATABASE {name}")
        db = PG_URL.rsplit("/", 1)[0] + "/" + name
    print(f"kill -9 fault run on {backend}: {rounds} rounds, {writers} writers, kill after {seconds} s")
    run(binary, "demo", "--no-serve", "--db", db, "--key-file", key_file)
    token = run(binary, "token", "create", "--db", db, "--username", "sg01", "--name", "kill9", "--days", "1")
    token = re.search(r"^jdu_\S+", token.stdout, re.M).group(0)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    state = {"server": None}

    def start():
        log = open(os.path.join(work, "serve.log"), "a")
        state["server"] = subprocess.Popen(
            [binary, "serve", "--db", db, "--key-file", key_file, "--listen", f"127.0.0.1:{port}"],
            stdout=log, stderr=log)
        for _ in range(240):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                return
            except OSError:
                time.sleep(0.25)
        sys.exit("the server did not start again (see serve.log in " + work + ")")

    start()
    api = Api(base, token)
    status, page = api.call("GET", "/api/v1/persons?page=1")
    persons = [row["id"] for row in page["rows"]]
    if status != 200 or not persons:
        sys.exit(f"no persons in sg01's caseload: {status} {page}")
    acknowledged, unanswered, refused, reasons = {}, {}, 0, {}
    lock = threading.Lock()
    total = {"acked": 0, "unanswered": 0, "in_db_unanswered": 0}
    day = (date.today() - timedelta(days=1)).isoformat()

    for rnd in range(1, rounds + 1):
        stop = threading.Event()

        def writer(seed):
            nonlocal refused
            rng = random.Random(seed)
            while not stop.is_set():
                person, key = rng.choice(persons), str(uuid.uuid4())
                body = {"kind": "visit", "date": day, "note": f"kill9 {key}"}
                with lock:
                    unanswered[key] = person
                try:
                    status, answer = api.call("POST", f"/api/v1/persons/{person}/events", body, key, timeout=10)
                except OSError:
                    continue  # cut by the kill: stays unanswered
                with lock:
                    del unanswered[key]
                    if status == 201:
                        acknowledged[key] = (person, answer["id"])
                    else:
                        refused += 1
                        reasons[f"{status} {answer.get('code') if isinstance(answer, dict) else ''}"] = 1 + reasons.get(
                            f"{status} {answer.get('code') if isinstance(answer, dict) else ''}", 0)

        threads = [threading.Thread(target=writer, args=(rnd * 100 + i,)) for i in range(writers)]
        for t in threads:
            t.start()
        time.sleep(seconds * (0.5 + random.random()))
        os.kill(state["server"].pid, signal.SIGKILL)
        state["server"].wait()
        stop.set()
        for t in threads:
            t.join()
        start()
        # Count per key in every touched person's timeline.
        counts, ids = {}, {}
        for person in set(p for p, _ in acknowledged.values()) | set(unanswered.values()):
            status, events = api.call("GET", f"/api/v1/persons/{person}/events")
            if status != 200:
                sys.exit(f"round {rnd}: timeline of {person} answered {status}")
            for e in events:
                m = re.match(r"kill9 (\S+)$", e.get("note") or "")
                if m:
                    counts[m.group(1)] = counts.get(m.group(1), 0) + 1
                    ids[m.group(1)] = e["id"]
        lost = [k for k in acknowledged if counts.get(k, 0) != 1]
        twice = [k for k, n in counts.items() if n > 1]
        if lost or twice:
            detail = [(k, acknowledged[k], counts.get(k, 0)) for k in lost[:5]]
            sys.exit(f"round {rnd}: acknowledged but not once: {detail}; stored twice: {twice[:5]}")
        stored_unanswered = [k for k in unanswered if counts.get(k) == 1]
        # A client's retry of every cut write: a stored one answers with the stored event.
        retried = {}
        for key, person in unanswered.items():
            body = {"kind": "visit", "date": day, "note": f"kill9 {key}"}
            status, answer = api.call("POST", f"/api/v1/persons/{person}/events", body, key)
            if status == 422 and key not in ids:
                refused += 1
                continue
            if status != 201:
                sys.exit(f"round {rnd}: the retry of {key} answered {status} {answer}")
            if key in ids and answer["id"] != ids[key]:
                sys.exit(f"round {rnd}: the retry of stored {key} stored it again ({answer['id']} != {ids[key]})")
            retried[key] = (person, answer["id"])
        print(f"round {rnd}: {len(acknowledged) - total['acked']} acknowledged writes this round, all present once; "
              f"{len(unanswered)} cut by the kill ({len(stored_unanswered)} had been stored), each retried once "
              f"and stored once")
        total["acked"] = len(acknowledged)
        total["unanswered"] += len(unanswered)
        total["in_db_unanswered"] += len(stored_unanswered)
        acknowledged.update(retried)
        unanswered.clear()

    state["server"].terminate()
    state["server"].wait()
    verify = run(binary, "audit", "verify", "--db", db, "--key-file", key_file, check=False)
    print(verify.stdout.strip().splitlines()[-1] if verify.stdout.strip() else verify.stderr.strip())
    if verify.returncode != 0:
        sys.exit("audit verify failed:\n" + verify.stdout + verify.stderr)
    if backend == "postgres":
        run("psql", PG_URL, "-qc", f"DROP DATABASE IF EXISTS {db.rsplit('/', 1)[1]} WITH (FORCE)")
    print(f"summary ({backend}): {rounds} kills, {total['acked']} writes acknowledged or retried, every one "
          f"present exactly once; {total['unanswered']} cut by a kill ({total['in_db_unanswered']} of them "
          f"already stored); {refused} refused with a sentence {reasons}; integrity and audit chain verified")


if __name__ == "__main__":
    main()
