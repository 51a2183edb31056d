#!/usr/bin/python3
"""merge_toml.py BASE.toml OVERRIDES.json: prints BASE with OVERRIDES
deep-merged into it (tables merge key by key, anything else replaces), as
TOML.  tests/cri/cri.sh uses it to run containerd on
contrib/containerd/config.toml with private paths: a textual edit could
define a table twice, which TOML (and containerd) refuse.  tomllib is in
Python 3.11; the writer below covers what containerd configs use (tables,
strings, integers, floats, booleans, arrays of scalars).
"""
import json
import re
import sys
import tomllib

BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def merge(base, over):
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


def key_text(key):
    return key if BARE_KEY.match(key) else json.dumps(key)


def value_text(value, where):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(value_text(v, where) for v in value) + "]"
    raise ValueError("%s: a %s cannot be written" % (where, type(value).__name__))


def write_table(out, path, table):
    scalars = [(k, v) for k, v in table.items() if not isinstance(v, dict)]
    tables = [(k, v) for k, v in table.items() if isinstance(v, dict)]
    if path and (scalars or not tables):
        out.append("\n[%s]" % ".".join(key_text(p) for p in path))
    for key, value in scalars:
        out.append("%s%s = %s" % ("  " if path else "", key_text(key),
                                  value_text(value, ".".join(path + [key]))))
    for key, value in tables:
        write_table(out, path + [key], value)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: merge_toml.py BASE.toml OVERRIDES.json\n")
        return 2
    with open(argv[0], "rb") as f:
        config = tomllib.load(f)
    with open(argv[1], encoding="utf-8") as f:
        merge(config, json.load(f))
    out = []
    write_table(out, [], config)
    text = "\n".join(out) + "\n"
    if tomllib.loads(text) != config:  # what we write must read back the same
        raise ValueError("the written TOML does not read back as the merged config")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (OSError, ValueError, tomllib.TOMLDecodeError) as e:
        sys.stderr.write("merge_toml: %s\n" % e)
        sys.exit(1)
