#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""watch.py: follow docket's events, written from docs/PROTOCOL.md alone.

A subscriber in the manner of docket-watch, with nothing but Debian's
python3-zmq and python3-msgpack: it loads CURVE keys from docket's key files
(PROTOCOL.md 1.3), replays from a cursor file and then follows live events
of one stream (6.2: the global stream, a unit's, one kind's or several
kinds'), fills gaps by seq or prev and catches up on heartbeats (6.5), and
prints one line per event:

    <seq> <time, UTC> <kind> actor=<unit or -> units=<a,b or -> [<key>=<id> ...]

or, with --json, each event as one JSON document per line.

It is an example and a test of the document, not a replacement for
docket-watch: it never runs commands, and the cursor it stores is the
highest seq it printed or looked past.

Exit status (sysexits): 0 done (--exit caught up, or --count events
printed), 64 usage, 69 daemon unavailable or an error reply, 75 --timeout
passed, 77 key refused or operation forbidden, 78 a key file unreadable.
"""

import argparse
import datetime
import json
import os
import secrets
import sys
import time

import msgpack
import zmq
from zmq.utils.monitor import recv_monitor_message

EX_USAGE, EX_UNAVAILABLE, EX_TEMPFAIL, EX_NOPERM, EX_CONFIG = 64, 69, 75, 77, 78

Z85_CHARS = set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                ".-:+=^!/*?&<>()[]{}@%$#")


class Exit(Exception):
    """Stop with a message and an exit status."""

    def __init__(self, status, message=None):
        super().__init__(message)
        self.status = status
        self.message = message


def note(message):
    print("watch.py: " + message, file=sys.stderr, flush=True)


# ---- keys (PROTOCOL.md 1.3) ----

def load_key_file(path):
    """A key file as {"public-key": z85, "secret-key": z85 (if present)}."""
    try:
        with open(path, "rb") as f:
            raw = f.read(65537)
    except OSError as e:
        raise Exit(EX_CONFIG, "cannot read the key file %s: %s" % (path, e.strerror))
    if len(raw) > 65536 or b"\0" in raw:
        raise Exit(EX_CONFIG, "%s is not a docket key file" % path)
    keys = {}
    for number, line in enumerate(raw.decode("latin-1").split("\n"), 1):
        line = line.strip(" \t\r")
        if not line or line.startswith("#"):
            continue
        name, eq, value = line.partition("=")
        name, value = name.strip(" \t\r"), value.strip(" \t\r")
        if (not eq or name not in ("public-key", "secret-key") or name in keys
                or len(value) != 40 or not set(value) <= Z85_CHARS):
            raise Exit(EX_CONFIG, "%s:%d: expected 'public-key = <40 characters of Z85>' "
                       "or 'secret-key = ...'" % (path, number))
        keys[name] = value
    if "secret-key" in keys:
        derived = zmq.curve_public(keys["secret-key"].encode()).decode()
        if keys.get("public-key", derived) != derived:
            raise Exit(EX_CONFIG, "%s: the public key is not that of the secret key" % path)
        keys["public-key"] = derived
    if "public-key" not in keys:
        raise Exit(EX_CONFIG, "%s holds no key" % path)
    return keys


def curve_socket(ctx, kind, server_public, own):
    """A socket of kind set up as a CURVE client (PROTOCOL.md 1.2)."""
    s = ctx.socket(kind)
    s.linger = 0
    s.curve_serverkey = server_public.encode()
    s.curve_publickey = own["public-key"].encode()
    s.curve_secretkey = own["secret-key"].encode()
    return s


# ---- requests (PROTOCOL.md 2) ----

class Requester:
    """One DEALER socket: a request, its reply, and retries of the same frame."""

    def __init__(self, ctx, endpoint, server_public, own, timeout_ms, attempts):
        self.sock = curve_socket(ctx, zmq.DEALER, server_public, own)
        self.monitor = self.sock.get_monitor_socket(zmq.EVENT_HANDSHAKE_FAILED_AUTH)
        self.sock.connect(endpoint)
        self.timeout_ms = timeout_ms
        self.attempts = attempts

    def call(self, op, args=None):
        request = {"v": 1, "op": op, "id": secrets.token_hex(16)}
        if args:
            request["args"] = args
        frame = msgpack.packb(request, use_bin_type=True)
        poller = zmq.Poller()
        poller.register(self.sock, zmq.POLLIN)
        poller.register(self.monitor, zmq.POLLIN)
        for _ in range(self.attempts):
            # A retry is the very same frame, same id (PROTOCOL.md 2.4).
            self.sock.send(frame)
            deadline = time.monotonic() + self.timeout_ms / 1000.0
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                ready = dict(poller.poll(left * 1000))
                if self.monitor in ready:
                    event = recv_monitor_message(self.monitor)
                    raise Exit(EX_NOPERM, "the daemon refused the key (ZAP status %s): "
                               "is it registered and active?" % event.get("value"))
                if self.sock not in ready:
                    continue
                reply = msgpack.unpackb(self.sock.recv(), raw=False)
                if not isinstance(reply, dict) or reply.get("id") != request["id"]:
                    continue  # a stale reply to an earlier request
                if reply.get("ok") is True:
                    return reply.get("result")
                error = reply.get("error") or {}
                name = error.get("name", "?")
                status = EX_NOPERM if name in ("EUNAUTH", "EFORBIDDEN") else EX_UNAVAILABLE
                raise Exit(status, "%s failed: %s (%s)" % (op, error.get("message", ""), name))
        raise Exit(EX_UNAVAILABLE, "no reply to %s after %d attempts: is docketd running?"
                   % (op, self.attempts))


# ---- streams (PROTOCOL.md 6.2) ----

class Stream:
    """Which topics, which replay arguments, and how a lost event shows."""

    def __init__(self, unit, kinds):
        self.unit, self.kinds = unit, list(kinds)
        if unit:
            self.mode, self.topics = "unit", ["unit/%s/" % unit]
        elif len(self.kinds) == 1:
            self.mode, self.topics = "kind", ["all/%s/" % self.kinds[0]]
        elif self.kinds:
            self.mode, self.topics = "kinds", ["all/%s/" % k for k in self.kinds]
        else:
            self.mode, self.topics = "global", ["all/"]

    def replay_args(self, since):
        args = {"since": since}
        if self.unit:
            args["unit"] = self.unit
        if self.kinds:
            args["kinds"] = self.kinds
        return args

    def wanted(self, event):
        return not self.kinds or event.get("kind") in self.kinds

    def lost_before(self, seq, prev, cursor):
        if self.mode == "global":
            return seq > cursor + 1
        if self.mode == "kinds" or prev is None:
            return True  # several kinds: replay before every live event
        return prev > cursor


# ---- the cursor ----

def read_cursor(path, since):
    if path and os.path.exists(path):
        with open(path) as f:
            text = f.read().strip()
        if not text.isdigit():
            raise Exit(EX_CONFIG, "%s does not hold a cursor (a seq)" % path)
        return int(text)
    return max(since - 1, 0)


def write_cursor(path, cursor):
    """Write a new file and rename it over the old one (PROTOCOL.md 6.5, step 4)."""
    if not path:
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % cursor)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# ---- the watcher ----

def event_line(event):
    when = datetime.datetime.fromtimestamp(event["time"] / 1000.0, datetime.timezone.utc)
    subject = " ".join("%s=%s" % kv for kv in sorted((event.get("subject") or {}).items()))
    line = "%d %s %s actor=%s units=%s" % (
        event["seq"], when.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (event["time"] % 1000),
        event["kind"], event.get("actor") or "-", ",".join(event.get("units") or []) or "-")
    return line + (" " + subject if subject else "")


class Watcher:
    def __init__(self, args, requester, stream):
        self.args, self.req, self.stream = args, requester, stream
        self.cursor = read_cursor(args.cursor, args.since)
        self.printed = 0
        self.lose = set(args.lose)

    def advance(self, seq):
        if seq > self.cursor:
            self.cursor = seq
            write_cursor(self.args.cursor, seq)

    def hand_on(self, event):
        """Print a wanted event and move the cursor past it."""
        if self.stream.wanted(event):
            if self.args.json:
                print(json.dumps(event, default=repr, ensure_ascii=False), flush=True)
            else:
                print(event_line(event), flush=True)
            self.printed += 1
        self.advance(event["seq"])
        if self.args.count and self.printed >= self.args.count:
            raise Exit(0)

    def catch_up(self, why):
        """PROTOCOL.md 6.5, step 2: replay until next > last."""
        since = self.cursor + 1
        got = 0
        if why:
            note("%s: replaying from seq %d" % (why, since))
        while True:
            page = self.req.call("events.since", self.stream.replay_args(since))
            for event in page["events"]:
                if event["seq"] > self.cursor:
                    got += 1
                    self.hand_on(event)
            # Everything of the stream up to next - 1 was looked at.
            self.advance(page["next"] - 1)
            if page["next"] > page["last"]:
                break
            since = page["next"]
        if why:
            note("replayed %d events, cursor %d" % (got, self.cursor))

    def run(self, sub, deadline):
        self.catch_up(None)
        note("caught up at seq %d" % self.cursor)
        if self.args.exit:
            raise Exit(0)
        live = False
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise Exit(EX_TEMPFAIL, "--timeout passed with %d events printed"
                           % self.printed)
            if not sub.poll(None if left is None else left * 1000):
                continue
            frames = sub.recv_multipart()  # every frame of the message (2.1)
            if frames[0] == b"hb/":
                hb = msgpack.unpackb(frames[1], raw=False)
                if not live:
                    live = True  # a heartbeat arrived: the subscriptions are in place
                    note("live from seq %d" % self.cursor)
                # Only when nothing else waits: a waiting event may show the gap.
                if hb["seq"] > self.cursor and not sub.poll(0) and self.args.heartbeat_replay:
                    self.catch_up("heartbeat at seq %d" % hb["seq"])
                continue
            if len(frames) < 2:
                continue
            event = msgpack.unpackb(frames[1], raw=False)
            prev = msgpack.unpackb(frames[2], raw=False) if len(frames) > 2 else None
            seq = event["seq"]
            if seq in self.lose:
                self.lose.discard(seq)
                note("lost seq %d on purpose (--lose)" % seq)
                continue
            if seq <= self.cursor:
                continue  # handled already (a replay, or another topic's copy)
            if self.stream.lost_before(seq, prev, self.cursor):
                self.catch_up("live seq %d, prev %s, cursor %d" % (seq, prev, self.cursor))
                continue
            self.hand_on(event)


def parse_args(argv):
    env = os.environ.get
    p = argparse.ArgumentParser(
        prog="watch.py", description="Print docket events, one line each, from a cursor on.")
    p.add_argument("--endpoint", default=env("DOCKET_ENDPOINT"),
                   help="request endpoint (env DOCKET_ENDPOINT)")
    p.add_argument("--events", default=env("DOCKET_EVENTS"),
                   help="events endpoint (env DOCKET_EVENTS)")
    p.add_argument("--server-key", default=env("DOCKET_SERVER_KEY"),
                   help="the server's public key file, server.key.pub (env DOCKET_SERVER_KEY)")
    p.add_argument("--key", default=env("DOCKET_KEY"),
                   help="this unit's secret key file (env DOCKET_KEY)")
    p.add_argument("--unit", help="the stream of this unit (a member unit: its own, the default)")
    p.add_argument("--kind", action="append", default=[], metavar="KIND",
                   help="only events of this kind (repeat for several, up to 16)")
    p.add_argument("--cursor", metavar="FILE",
                   help="read the cursor from FILE at start, write it after every event")
    p.add_argument("--since", type=int, default=1, metavar="SEQ",
                   help="without a cursor file, the first seq to print (default 1)")
    p.add_argument("--count", type=int, default=0, metavar="N",
                   help="exit 0 once N events have been printed")
    p.add_argument("--exit", action="store_true",
                   help="exit 0 once caught up with the log instead of following live events")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="exit 75 if not done after SECONDS")
    p.add_argument("--json", action="store_true", help="print each event as one JSON line")
    p.add_argument("--lose", type=int, action="append", default=[], metavar="SEQ",
                   help="for tests: discard the live copy of event SEQ as if it were lost")
    p.add_argument("--no-heartbeat-replay", dest="heartbeat_replay", action="store_false",
                   help="for tests: no catch-up on heartbeats, so only seq and prev show gaps")
    p.add_argument("--request-timeout", type=int, default=5000, metavar="MS",
                   help="wait this long for a reply before resending (default 5000)")
    a = p.parse_args(argv)
    for name in ("endpoint", "events", "server_key", "key"):
        if not getattr(a, name):
            p.error("--%s (or its environment variable) is required" % name.replace("_", "-"))
    if len(a.kind) > 16:
        p.error("at most 16 --kind")
    return a


def main(argv):
    args = parse_args(argv)
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    server = load_key_file(args.server_key)
    own = load_key_file(args.key)
    if "secret-key" not in own:
        raise Exit(EX_CONFIG, "%s holds no secret-key: give the secret key file, not the .pub"
                   % args.key)
    ctx = zmq.Context()
    try:
        req = Requester(ctx, args.endpoint, server["public-key"], own,
                        args.request_timeout, 3)
        me = req.call("ping")
        unit = args.unit
        if me["role"] == "member" and not unit:
            # A member unit replays only its own stream (PROTOCOL.md 6.4).
            unit = me["unit"]
            note("unit %s is a member unit: watching its own stream" % unit)
        stream = Stream(unit, args.kind)
        sub = curve_socket(ctx, zmq.SUB, server["public-key"], own)
        for topic in stream.topics + ["hb/"]:
            sub.setsockopt(zmq.SUBSCRIBE, topic.encode())
        sub.connect(args.events)  # subscribe first, then catch up (6.5, step 1)
        Watcher(args, req, stream).run(sub, deadline)
    finally:
        ctx.destroy(linger=0)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exit as e:
        if e.message:
            note(e.message)
        sys.exit(e.status)
    except KeyboardInterrupt:
        sys.exit(130)
