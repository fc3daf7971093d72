#!/usr/bin/env python3
"""The entity-facet quality report of bench/entity-report.sh (python3 standard library only).

    entity_report.py ENTITIES_JSON ARTICLES_JSONL MENTIONS_JSONL CORPUS ARTICLES SECONDS [REJECTED]

ENTITIES_JSON   `newsdex entities --format json --top <all>` over the whole index
ARTICLES_JSONL  `newsdex export <match-all> --format jsonl --fields id,title,body,person,org,location,misc`
                (the meta line first, or not)
MENTIONS_JSONL  `newsdex ner tag` of ARTICLES_JSONL: per article `entities` (body) and `title_entities`,
                each with type, text (the surface), canonical, start, end (character offsets)
CORPUS, ARTICLES, SECONDS, REJECTED  for the last line.

Output is deterministic: every list is sorted, ties by name (then article id).
"""
import collections
import json
import re
import sys

TYPES = ("person", "org", "location", "misc")
TOP = 50
VARIANTS = 5
LONGEST = 20
WIDTH = 150  # longest example line

# Role titles for run-ons across "and" (compared lower-case, punctuation stripped, hyphen parts too).
TITLES = {
    "chairman", "chairwoman", "chair", "secretary", "minister", "president", "governor",
    "chancellor", "director", "spokesman", "spokeswoman", "spokesperson", "chief", "senator",
    "sen", "ambassador", "commissioner", "treasurer", "premier", "mayor", "leader", "king",
    "queen", "prince", "princess", "judge", "justice", "congressman", "representative", "rep",
    "envoy", "deputy", "vice", "undersecretary", "attorney", "lord", "sir",
}

# Single common words that are not names when they stand alone as a canonical entity.
NON_NAMES = {
    "bank", "oper", "revs", "shr", "shrs", "net", "avg", "avge", "qtr", "qtly", "mths", "reuter",
    "dlrs", "cts", "mln", "pct", "loss", "profit", "sales", "record", "company", "group",
    "government", "state", "home", "year", "note", "div", "pay", "prior", "inc", "corp", "co",
    "ltd", "plc", "the", "total", "income", "gain", "earnings", "assets", "deposits", "loans",
    "dividend", "central", "national", "federal", "market", "exchange", "church", "office",
    "ministry", "department", "court", "council", "party", "league", "union", "poor", "sells",
    "says", "sees", "buys", "sets", "one", "two", "three", "four", "five", "six", "seven", "eight",
    "nine", "ten", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec",
}
# Company-form words: never enough on their own to make a harvested name (see common()).
CORP_WORDS = {"corp", "inc", "co", "ltd", "plc", "llc", "lp", "ag", "sa", "nv", "bv", "spa", "bancorp",
              "group", "holdings", "cos", "industries", "international", "systems"}

# ~100 common English male / female given names (ambiguous ones such as Jordan, Virginia, Jean left out).
MALE = set("""
james john robert michael william david richard joseph thomas charles christopher daniel matthew
anthony mark donald steven stephen paul andrew joshua kenneth kevin brian george timothy ronald
edward jason jeffrey ryan jacob gary nicholas eric jonathan larry justin scott brandon benjamin
samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron adam nathan henry
douglas zachary peter kyle walter ethan jeremy harold keith roger noah gerald carl sean arthur
lawrence dylan bryan joe billy bruce albert willie gabriel alan wayne roy ralph randy eugene
vincent russell louis bobby philip phillip johnny howard tony neil gordon tom jim bill bob mike
dave ian colin nigel graham malcolm geoffrey simon martin hugh norman ernest fred harry ted
""".split())
FEMALE = set("""
mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa betty
margaret sandra ashley kimberly emily donna michelle dorothy carol amanda melissa deborah
stephanie rebecca sharon laura cynthia kathleen amy shirley angela helen anna brenda pamela
nicole emma samantha katherine christine debra rachel catherine carolyn janet ruth maria heather
diane julie joyce olivia christina lauren joan evelyn judith megan cheryl andrea hannah martha
jacqueline frances gloria ann anne teresa kathryn sara janice alice doris abigail julia judy
denise marilyn beverly danielle theresa sophia marie diana brittany natalie isabella alexis
kayla hillary cherie tessa clare claire harriet nancy jane susan sally wendy valerie caroline
""".split())

# Never part of a harvested name (function words, honorifics, calendar words).
STOP = set("""
the a an and or of in on at to for by with from as but if so no not yes this that these those
it its he she they we you i his her their our my your mr mrs ms miss dr sir
monday tuesday wednesday thursday friday saturday sunday
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
""".split())
ABBREV = {"mr.", "mrs.", "ms.", "dr.", "st.", "sen.", "gen.", "rep.", "gov.", "lt.", "col.", "capt.",
          "sgt.", "prof.", "rev.", "jr.", "sr.", "co.", "inc.", "corp.", "ltd.", "no.", "vs.", "u.s.",
          "u.k.", "u.n.", "jan.", "feb.", "aug.", "sept.", "oct.", "nov.", "dec.", "e.g.", "i.e."}

FIGURE_VS = re.compile(r"(?<![A-Za-z])vs\.?(?![A-Za-z])", re.I)
OPENERS = "\"'“‘([{"
CLOSERS = "\"'”’)]},.;:!?"


def figure_line(line):
    """A body line of figures: contains `vs` or `vs.` as a word, and a digit."""
    return bool(FIGURE_VS.search(line)) and any(c.isdigit() for c in line)


def upper_ratio(text):
    letters = [c for c in text if c.isalpha()]
    return (sum(c.isupper() for c in letters) / len(letters)) if letters else 0.0


def clean(tok):
    """A token without surrounding punctuation and possessive."""
    w = tok.strip(OPENERS + CLOSERS + "-–—*")
    for suf in ("'s", "’s", "'S", "’S"):
        if w.endswith(suf):
            w = w[: -len(suf)]
    return w.rstrip("'’")


def capitalised(w):
    return bool(w) and w[0].isupper() and any(c.islower() for c in w) and all(
        c.isalpha() or c in "'’.-" for c in w)


def short(text, n):
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def fit(s, n=WIDTH):
    return s if len(s) <= n else s[: n - 1] + "…"


def idkey(i):
    """Article ids in a natural order: numbers by value, then text."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", i) if p]


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                if d.get("type") != "meta":
                    yield d


def main():
    ent_path, art_path, men_path, corpus, n_articles, seconds = sys.argv[1:7]
    rejected = sys.argv[7] if len(sys.argv) > 7 else "0"
    ents = json.load(open(ent_path, encoding="utf-8"))
    arts = {d["id"]: d for d in load_jsonl(art_path)}

    # Mentions: (id, field, mention) and surface counts per (type, canonical).
    mentions = []
    surf = collections.defaultdict(collections.Counter)
    agree = tagged = 0
    for d in load_jsonl(men_path):
        tagged += 1
        a = arts.get(d["id"], {})
        got = {t: set() for t in TYPES}
        for m in (d.get("entities") or []) + (d.get("title_entities") or []):
            got.setdefault(m["type"], set()).add(m["canonical"])
        agree += all(got.get(t, set()) == set(a.get(t) or []) for t in TYPES)
        for field, key in (("body", "entities"), ("title", "title_entities")):
            for m in d.get(key) or []:
                mentions.append((d["id"], field, m))
                surf[(m["type"], m["canonical"])][m["text"]] += 1

    out = []
    p = out.append

    # 1. Top canonical entities per type.
    tops = {}
    for t in TYPES:
        allt = sorted(ents.get(t, {}).get("top", []), key=lambda e: (-e["articles"], e["name"]))
        tops[t] = allt[:TOP]
        distinct = ents.get(t, {}).get("distinct", len(allt))
        p(f"== {t}: top {min(TOP, len(allt))} of {distinct} canonical entities "
          f"(articles, canonical, surface variants by mentions) ==")
        for rank, e in enumerate(tops[t], 1):
            c = surf.get((t, e["name"]))
            if c:
                vs = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))
                shown = [f"{short(s, 30)} ({n})" for s, n in vs[:VARIANTS]]
                nvar = len(vs)
            else:
                shown = [short(s, 30) for s in sorted(e.get("variants", []))[:VARIANTS]]
                nvar = len(e.get("variants", []))
            more = f" +{nvar - VARIANTS} more" if nvar > VARIANTS else ""
            p(fit(f"{rank:3d}. {e['articles']:6d}  {short(e['name'], 40):<40}  "
                  f"{', '.join(shown)}{more}", 200))
        p("")

    # 2. Longest mentions by words (distinct surface and type; ties by surface, then article id).
    groups = collections.defaultdict(list)
    for aid, field, m in mentions:
        groups[(" ".join(m["text"].split()), m["type"])].append(aid)
    longest = sorted(groups.items(), key=lambda kv: (-len(kv[0][0].split()), -len(kv[0][0]), kv[0][0], kv[0][1]))
    p(f"== {LONGEST} longest mentions (words, type, article id, surface) ==")
    rows = [(text, t, sorted(set(ids), key=idkey)) for (text, t), ids in longest[:LONGEST]]
    idw = min(24, max((len(ids[0]) for _, _, ids in rows), default=2))
    for text, t, ids in rows:
        extra = f" (+{len(ids) - 1} more articles)" if len(ids) > 1 else ""
        p(fit(f"{len(text.split()):3d}  {t:<8} {ids[0]:<{idw}}  {text}{extra}", 200))
    p("")

    # 3. Defects.
    # Line geometry per body, computed lazily.
    def line_of(body, start):
        ls = body.rfind("\n", 0, start) + 1
        le = body.find("\n", start)
        return ls, (len(body) if le < 0 else le)

    def last_line(body):
        lines = [ln.replace("^M", "").replace("\r", "").strip() for ln in body.split("\n")]
        idx = max((i for i, ln in enumerate(lines) if ln), default=-1)
        if idx < 0:
            return "", len(body)
        return lines[idx].strip(".…-— "), sum(len(x) + 1 for x in body.split("\n")[:idx])

    signoff_reuter_end = signoff_reuter_other = signoff_caps = 0
    signoff_ex = collections.Counter()
    table = collections.Counter()
    runons = collections.Counter()
    n_runon = n_long = n_and = 0
    lastcache = {}
    for aid, field, m in mentions:
        text = m["text"]
        words = text.split()
        a = arts.get(aid, {})
        body = a.get("body") or ""
        # sign-offs
        if field == "body":
            if aid not in lastcache:
                lastcache[aid] = last_line(body)
            ll, ll_start = lastcache[aid]
        else:
            ll, ll_start = "", 1 << 60
        at_end = field == "body" and m["start"] >= ll_start and len(words) == 1 and clean(text) == ll
        lower = text.strip().lower()
        if lower in ("reuter", "reuters"):
            # "Reuters" the agency, named in running text, is an
            # organisation; the sign-off is "REUTER"/"Reuter", or any of them
            # read as a person.
            if at_end:
                signoff_reuter_end += 1
                signoff_ex[f"{text.strip()}/{m['type']}"] += 1
            elif m["type"] == "person" and text.strip() == "REUTER":
                signoff_reuter_other += 1
                signoff_ex[f"{text.strip()}/{m['type']}"] += 1
        elif at_end and re.fullmatch(r"[A-Z][A-Z'&.-]+", text.strip()):
            signoff_caps += 1
            signoff_ex[f"{text.strip()}/{m['type']}"] += 1
        # table tokens
        if field == "body" and m["type"] in ("person", "org") and len(words) == 1:
            ls, le = line_of(body, m["start"])
            if not body[ls:m["start"]].strip() and figure_line(body[ls:le]):
                table[f"{text}/{m['type']}"] += 1
        # run-ons
        if len(words) >= 6:
            n_long += 1
        for i in range(1, len(words) - 1):
            if words[i] in ("and", "AND") and words[i - 1][:1].isupper() and words[i + 1][:1].isupper():
                n_and += 1
                def titled(ws):
                    return {q.lower() for w in ws for q in re.split(r"[-/]", clean(w).rstrip(".")) if q} & TITLES
                # "Title Name and Title Name": a role title on both sides of the "and" (a company
                # such as "Lord Abbett and Co" has one on one side only).
                if titled(words[:i]) and titled(words[i + 1:]):
                    n_runon += 1
                    runons[(" ".join(words), m["type"])] += 1
                    break

    # Names the corpus writes in mixed case mid-sentence (bodies that are not mostly capitals).
    lower_n = collections.Counter()
    cap_n = collections.Counter()
    seq_n = collections.Counter()
    seq_docs = collections.defaultdict(set)
    for aid, a in arts.items():
        body = a.get("body") or ""
        if upper_ratio(body) >= 0.5:
            continue
        for para in re.split(r"\n\s*\n|\n(?=[ \t]{2,})", body):
            lines = [ln for ln in para.split("\n") if not figure_line(ln)]
            toks = " ".join(lines).split()
            run = []
            initial = True

            def flush():
                # Single words only when they stand alone (so "Savings" of "Savings and Loan League"
                # does not count); two- and three-word sequences anywhere in a run.
                if len(run) == 1:
                    seq_n[(run[0],)] += 1
                    seq_docs[(run[0],)].add(aid)
                for n in (2, 3):
                    for j in range(len(run) - n + 1):
                        seq = tuple(run[j:j + n])
                        seq_n[seq] += 1
                        seq_docs[seq].add(aid)
                run.clear()

            for tok in toks:
                w = clean(tok)
                if tok[:1] in OPENERS:
                    initial = True
                if w and w.islower():
                    lower_n[w] += 1
                if capitalised(w) and not initial:
                    cap_n[w.lower()] += 1
                    run.append(w)
                else:
                    flush()
                bare = tok.rstrip("\"'”’)]}")
                initial = bare.endswith((".", "!", "?", ":")) and tok.lower() not in ABBREV
                if tok[-1:] in CLOSERS or bare != tok:
                    flush()
            flush()

    def common(w):
        lw = w.lower().rstrip(".")
        return lw in TITLES or lw in CORP_WORDS or lw in NON_NAMES or lower_n[lw] >= cap_n[lw]

    names = {}
    for seq, n in seq_n.items():
        if n < 3 or len(seq_docs[seq]) < 2:
            continue
        if any(w.lower() in STOP for w in seq) or all(common(w) for w in seq):
            continue
        key = tuple(w.upper() for w in seq)
        if key not in names or (n, seq) > names[key]:
            names[key] = (n, seq)

    def no_entities(a):
        return not any(a.get(t) for t in TYPES)

    briefs = []
    n_caps_briefs = n_caps_untagged = 0
    for aid, a in arts.items():
        title, body = a.get("title") or "", a.get("body") or ""
        if len([c for c in title if c.isalpha()]) < 3 or upper_ratio(title) < 0.8:
            continue
        if not (len(body.split()) < 60 or upper_ratio(body) >= 0.8):
            continue
        n_caps_briefs += 1
        if not no_entities(a):
            continue
        n_caps_untagged += 1
        toks = [clean(t).upper() for t in (title + " " + body).split()]
        found = set()
        for n in (3, 2, 1):
            for j in range(len(toks) - n + 1):
                key = tuple(toks[j:j + n])
                if key in names:
                    found.add(" ".join(names[key][1]))
        if found:
            best = sorted(found, key=lambda s: (-len(s.split()), s))
            briefs.append((-len(best[0].split()), idkey(aid), aid, title, best))
    briefs.sort()

    # Canonical-level checks over every person (surfaces from the mentions, else the entity's variants).
    def surfaces(t, e):
        c = surf.get((t, e["name"]))
        return sorted(c) if c else sorted(e.get("variants", []))

    def norm(s):
        return clean(s).casefold()

    first_merge = []
    honor = []
    for e in sorted(ents.get("person", {}).get("top", []), key=lambda e: (-e["articles"], e["name"])):
        words = e["name"].split()
        if len(words) < 2:
            continue
        first = words[0].casefold()
        ss = surfaces("person", e)
        hits = [s for s in ss if norm(s) == first]
        if hits:
            first_merge.append(f"{e['name']} <- \"{hits[0]}\"")
        fw = clean(words[0]).casefold()
        for s in ss:
            h = s.split()[0].rstrip(".").casefold() if s.split() else ""
            if (h in ("mrs", "ms", "miss") and fw in MALE) or (h == "mr" and fw in FEMALE):
                honor.append(f"{e['name']} <- \"{s}\"")

    punct = []
    for t in TYPES:
        for e in ents.get(t, {}).get("top", []):
            n = e["name"]
            if any(c in n for c in '()[]{}";') or n.strip().startswith(",") or n.strip().endswith(","):
                punct.append((-e["articles"], n, t))
    punct.sort()

    nonnames = []
    for t in TYPES:
        for e in tops[t]:
            n = e["name"]
            letters = [c for c in n if c.isalpha()]
            if (letters and not any(c.isupper() for c in letters)) or len(letters) == 1 or (
                    len(n.split()) == 1 and norm(n) in NON_NAMES):
                nonnames.append(f"{t}:{n} ({e['articles']})")

    def examples(items, k=6):
        return fit("      e.g. " + "; ".join(items[:k])) if items else None

    def top_counts(counter, k=8):
        return [f"{s} {n}" for s, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]

    rows = []

    def row(name, count, definition, *extra):
        rows.append(f"{name:<24}{count:>7}  {definition}")
        rows.extend(x for x in extra if x)

    n_signoff = signoff_reuter_end + signoff_reuter_other + signoff_caps
    row("sign-offs", n_signoff,
        "mentions (any type) that are REUTER/Reuter/Reuters alone (any case), or a lone ALL-CAPS word "
        "forming the body's last line",
        f"      REUTER-type: {signoff_reuter_end} ending the body, {signoff_reuter_other} elsewhere "
        f"(REUTER read as a person); other ALL-CAPS last lines: {signoff_caps}",
        examples(top_counts(signoff_ex)))
    row("table tokens", sum(table.values()),
        "one-word person/org mentions that begin a figure line (a body line with `vs` or `vs.` and a digit)",
        examples(top_counts(table, 10)))
    row("run-ons across \"and\"", n_runon,
        "mentions with \"and\" between two capitalised words and a role title (Chairman, Minister...) on both sides of it",
        f"      (mentions with \"and\" between capitalised words, titled or not: {n_and})",
        examples([f"{s} ({t})" for (s, t), _ in sorted(runons.items(), key=lambda kv: (-kv[1], kv[0]))], 4))
    row("mentions of 6+ words", n_long, "mentions (title or body, any type) of six or more words")
    row("untagged caps briefs", len(briefs),
        "capitals title (>=80% of letters), body <60 words or capitals, no entity at all, yet a known name in it",
        f"      (known name: a lone capitalised word or 2-3 in a row, mid-sentence in normal-case bodies, not "
        f"all common words, >=3 times in >=2 articles: {len(names)}; capitals briefs: {n_caps_briefs}, "
        f"with no entity: {n_caps_untagged})",
        *[fit(f"      {aid}: {short(title, 70)}  [{', '.join(best[:3])}]") for _, _, aid, title, best in briefs[:5]])
    row("first-name merges", len(first_merge),
        "canonical persons (2+ words) with a surface that is just their first word (case, possessive ignored)",
        examples(first_merge))
    row("honorific merges", len(honor),
        "surfaces starting Mrs/Ms/Miss under a common male given name, or Mr under a female one",
        examples(honor))
    row("punctuation in names", len(punct),
        "canonical names (any type) containing ( ) [ ] { } \" ; or a leading/trailing comma",
        examples([f"{n} ({t})" for _, n, t in punct]))
    row("non-names in top 50", len(nonnames),
        "top-50 canonicals all lower-case, one letter, or a stop-list word (Bank, Oper, Shr, Avg, Reuter, Co...)",
        *[fit("      " + "; ".join(nonnames[i:i + 6])) for i in range(0, len(nonnames), 6)])
    p("== defects ==")
    out.extend(rows)
    p("")
    if agree != len(arts) or tagged != len(arts):
        p(f"note: `ner tag` gives the index's entity sets for only {agree} of {len(arts)} articles "
          f"({tagged} tagged); mention-level counts may differ from the facets")
    rej = f", {rejected} records rejected" if rejected not in ("", "0") else ""
    p(f"corpus: {corpus} | articles: {n_articles}{rej} | index time: {float(seconds):.1f} s")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
