#!/usr/bin/env python3
# scripts/diffcheck.py - the input making and comparing half of
# scripts/diffcheck.sh (read that file first). Standard library only.
#
#   corpus CORPUS_DIR OUT KID_B64
#       one verify input per line from the fuzz corpora that hold
#       certificates or parts of one: hcert (HC1 text as it is), base45
#       ("HC1:" + the text), zlib ("HC1:" + Base45 of the bytes), cose
#       (the same after zlib), cwt (wrapped in a COSE_Sign1 with a zero
#       signature under KID_B64), http_verify_body and rpc_request (the
#       HC1 strings inside them)
#   malform SEED N IN OUT
#       N broken variants of the certificates in IN (seeded: the same
#       SEED gives the same variants)
#   revfile HASHTYPES IN OUT
#       an EU gateway revocation batch array revoking the certificates
#       whose `intyg inspect` lines are IN, cycling through HASHTYPES
#       (comma separated: uci, countrycodeuci, signature)
#   vectors DIR... OUT_DIR
#       the DCC conformance vectors: OUT_DIR/NNNN.hc1 (PREFIX),
#       NNNN.der (CERTIFICATE) and NNNN.at (VALIDATIONCLOCK in UTC);
#       prints the count
#   compare NAME BASE_FILE HEAD_FILE INPUT_FILE
#       record by record (one per line); prints "NAME N D" (records,
#       differences) and the first differing records with their input
import base64
import datetime
import json
import os
import random
import re
import sys
import zlib

B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def b45encode(data):
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        c, n = n % 45, n // 45
        d, e = n % 45, n // 45
        out += [B45[c], B45[d], B45[e]]
    if len(data) % 2:
        n = data[-1]
        out += [B45[n % 45], B45[n // 45]]
    return "".join(out)


def hc1(data, compress=True):
    return "HC1:" + b45encode(zlib.compress(data, 9) if compress else data)


def cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | ai]) + n.to_bytes(size, "big")
    raise ValueError(n)


def cbor_bstr(b):
    return cbor_head(2, len(b)) + b


def cose_wrap(payload, kid):
    # {1: -7 (ES256), 4: kid}
    prot = b"\xa2\x01\x26\x04" + cbor_bstr(kid)
    return (b"\xd2\x84" + cbor_bstr(prot) + b"\xa0" + cbor_bstr(payload)
            + cbor_bstr(bytes(64)))


def text_lines(data):
    """The non-empty, NUL-free lines of a file, as text (Latin-1 keeps
    every byte as it is)."""
    out = []
    for line in data.split(b"\n"):
        if line and b"\0" not in line:
            out.append(line.decode("latin-1"))
    return out


def json_strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, list):
        for x in v:
            yield from json_strings(x)
    elif isinstance(v, dict):
        for x in v.values():
            yield from json_strings(x)


def corpus(cdir, out_path, kid_b64):
    kid = base64.b64decode(kid_b64)
    lines = []

    def files(name):
        d = os.path.join(cdir, name)
        if not os.path.isdir(d):
            return []
        return [open(os.path.join(d, f), "rb").read()
                for f in sorted(os.listdir(d))]

    for data in files("hcert"):
        lines += text_lines(data)
    for data in files("base45"):
        lines += ["HC1:" + x for x in text_lines(data)]
    for data in files("zlib"):
        lines.append(hc1(data, compress=False))
    for data in files("cose"):
        lines.append(hc1(data))
        lines.append(hc1(data, compress=False))
    for data in files("cwt"):
        lines.append(hc1(cose_wrap(data, kid)))
    for data in files("http_verify_body"):
        try:
            v = json.loads(data)
        except ValueError:
            continue
        lines += [s for s in json_strings(v) if s.startswith("HC1:")]
    for data in files("rpc_request"):
        for m in re.finditer(rb"HC1:[0-9A-Z $%*+\-./:]*", data):
            lines.append(m.group(0).decode("latin-1"))
    lines = [x for x in lines if "\n" not in x and "\r" not in x and x]
    with open(out_path, "w", encoding="latin-1", newline="\n") as f:
        for x in lines:
            f.write(x + "\n")
    print(len(lines))


def malform(seed, n, in_path, out_path):
    rng = random.Random(seed)
    certs = [x for x in open(in_path).read().split("\n") if x]
    out = []
    kinds = ["truncate", "flip", "drop_prefix", "lower", "swap",
             "double_prefix", "bad_char", "append", "b45_tail", "empty45"]
    for i in range(n):
        c = certs[rng.randrange(len(certs))]
        k = kinds[i % len(kinds)]
        body = c[4:]
        if k == "truncate":
            v = c[:rng.randrange(4, len(c))]
        elif k == "flip":
            p = rng.randrange(4, len(c))
            v = c[:p] + B45[(B45.index(c[p]) + 1 + rng.randrange(44)) % 45] \
                + c[p + 1:]
        elif k == "drop_prefix":
            v = body
        elif k == "lower":
            v = "hc1:" + body
        elif k == "swap":
            p = rng.randrange(4, len(c) - 1)
            v = c[:p] + c[p + 1] + c[p] + c[p + 2:]
        elif k == "double_prefix":
            v = "HC1:" + c
        elif k == "bad_char":
            p = rng.randrange(4, len(c))
            v = c[:p] + rng.choice("abc~#!&") + c[p + 1:]
        elif k == "append":
            v = c + b45encode(bytes(rng.randrange(256)
                                    for _ in range(rng.randrange(1, 9) * 2)))
        elif k == "b45_tail":
            v = c[:-1] if len(body) % 3 == 0 else c + "0"
        else:
            v = "HC1:" + b45encode(zlib.compress(
                bytes(rng.randrange(256) for _ in range(rng.randrange(64)))))
        out.append(v if v != c else c[:-2])
    with open(out_path, "w") as f:
        for x in out:
            if x:
                f.write(x + "\n")


def revfile(types, in_path, out_path):
    names = {"uci": "UCI", "countrycodeuci": "COUNTRYCODEUCI",
             "signature": "SIGNATURE"}
    types = types.split(",")
    batches = {}
    for i, line in enumerate(open(in_path)):
        j = json.loads(line)
        t = types[i % len(types)]
        key = (j["kid"], t)
        batches.setdefault(key, []).append(j["revocation_hashes"][t])
    out = [{"country": "SE", "expires": "2035-01-01T00:00:00Z", "kid": kid,
            "hashType": names[t], "entries": [{"hash": h} for h in hs]}
           for (kid, t), hs in sorted(batches.items())]
    with open(out_path, "w") as f:
        json.dump(out, f)


def vectors(dirs, out_dir):
    n = 0
    paths = []
    for d in dirs:
        for dp, _, fs in os.walk(d):
            paths += [os.path.join(dp, f) for f in fs]
    for p in sorted(paths):
        if not (p.endswith(".json") or "." not in os.path.basename(p)):
            continue
        try:
            j = json.load(open(p, encoding="utf-8"))
        except (ValueError, UnicodeDecodeError, OSError):
            continue
        if not isinstance(j, dict) or "TESTCTX" not in j:
            continue
        ctx = j.get("TESTCTX") or {}
        prefix = j.get("PREFIX")
        if not isinstance(prefix, str) or not prefix or "\n" in prefix:
            continue
        base = os.path.join(out_dir, "%04d" % n)
        with open(base + ".hc1", "w") as f:
            f.write(prefix + "\n")
        cert = ctx.get("CERTIFICATE")
        if isinstance(cert, str) and cert:
            try:
                der = base64.b64decode(cert, validate=False)
                with open(base + ".der", "wb") as f:
                    f.write(der)
            except ValueError:
                pass
        clock = ctx.get("VALIDATIONCLOCK")
        at = "2021-06-01T00:00:00Z"
        if isinstance(clock, str):
            try:
                t = datetime.datetime.fromisoformat(
                    clock.replace("Z", "+00:00"))
                if t.tzinfo is None:
                    t = t.replace(tzinfo=datetime.timezone.utc)
                at = t.astimezone(datetime.timezone.utc).strftime(
                    "%Y-%m-%dT%H:%M:%SZ")
            except ValueError:
                pass
        with open(base + ".at", "w") as f:
            f.write(at + "\n")
        with open(base + ".name", "w") as f:
            f.write(os.path.relpath(p, os.path.commonpath(dirs)) + "\n")
        n += 1
    print(n)


def compare(name, base_path, head_path, input_path):
    def records(p):
        with open(p, "rb") as f:
            return f.read().split(b"\n")

    a, b = records(base_path), records(head_path)
    inputs = records(input_path) if os.path.exists(input_path) else []
    n = max(len(a), len(b))
    diffs = [i for i in range(n)
             if i >= len(a) or i >= len(b) or a[i] != b[i]]
    # A file ends with a newline: the empty last record is not an input.
    count = n - 1 if n and a[-1:] == [b""] and b[-1:] == [b""] else n
    print("%s %d %d" % (name, count, len(diffs)))
    for i in diffs[:5]:
        def show(r, i):
            return r[i].decode("utf-8", "replace")[:240] if i < len(r) \
                else "(none)"
        print("  %s record %d: input %s" % (name, i + 1, show(inputs, i)))
        print("    base: %s" % show(a, i))
        print("    head: %s" % show(b, i))


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "corpus" and len(argv) == 5:
        corpus(argv[2], argv[3], argv[4])
    elif cmd == "malform" and len(argv) == 6:
        malform(int(argv[2]), int(argv[3]), argv[4], argv[5])
    elif cmd == "revfile" and len(argv) == 5:
        revfile(argv[2], argv[3], argv[4])
    elif cmd == "vectors" and len(argv) >= 4:
        vectors(argv[2:-1], argv[-1])
    elif cmd == "compare" and len(argv) == 6:
        compare(argv[2], argv[3], argv[4], argv[5])
    else:
        sys.stderr.write("usage: see the comment at the top of %s\n"
                         % argv[0])
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
