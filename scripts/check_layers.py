#!/usr/bin/env python3
"""Fails on an #include that runs against the folder order of src/.

The order is read from docs/architecture.md, from the one line that starts with
'Layer order:' (folders separated by '→'). A file in folder F may include headers of F and of
folders listed before F; anything else is reported as FILE:LINE with the include and the rule it
breaks. Exit 0 when clean, 1 on a violation, 2 when the order line is missing or names an
unknown folder.
"""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
doc = root / "docs" / "architecture.md"
src = root / "src"

order = None
for line in doc.read_text(encoding="utf-8").splitlines():
    m = re.match(r"^\s*Layer order:\s*(.+)$", line)
    if m:
        order = [part.strip(" `") for part in m.group(1).split("→")]
        break
if not order:
    sys.exit(f"check_layers: {doc}: no line 'Layer order: a → b → …'")
folders = sorted(p.name for p in src.iterdir() if p.is_dir())
unknown = [f for f in order if f not in folders]
missing = [f for f in folders if f not in order]
if unknown or missing:
    print(f"check_layers: {doc}: the order names {unknown or 'no unknown folder'}; "
          f"folders of src/ not in it: {missing or 'none'}", file=sys.stderr)
    sys.exit(2)
rank = {f: i for i, f in enumerate(order)}

include = re.compile(r'^\s*#\s*include\s+"([a-z_0-9]+)/[^"]+"')
violations = []
for path in sorted(src.rglob("*")):
    if path.suffix not in (".h", ".cpp"):
        continue
    here = path.relative_to(src).parts[0]
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = include.match(text)
        if not m or m.group(1) not in rank:
            continue
        there = m.group(1)
        if rank[there] > rank[here]:
            violations.append(f"src/{path.relative_to(src)}:{number}: {here}/ includes {there}/ "
                              f"({text.strip()}), but {there} comes after {here} in the layer order")
for v in violations:
    print(v, file=sys.stderr)
if violations:
    print(f"check_layers: {len(violations)} include(s) against '{' → '.join(order)}' "
          f"(docs/architecture.md)", file=sys.stderr)
    sys.exit(1)
print(f"check_layers: every include in src/ follows {' → '.join(order)}")
