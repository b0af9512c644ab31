#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""eval-campaigns.py - does `replyguard report` group the evaluation set into sensible campaigns?

DESCRIPTION
  Builds the evaluation set of scripts/eval-hijack.py (build_eval_set: real
  benign threads from the shared corpus split in time, the earlier part learnt,
  hijacks generated from learnt messages), then scans into ONE fresh SQLite
  store with `scan --keep-detections`:
    - the generated hijacks (hijack/),
    - the real later benign mail (later/),
    - real phishing from CORPUS/phishing (all, or the first --phishing N by name),
  and runs `replyguard report` (JSON for the checks below, Markdown, and
  Markdown --lang ja; all written to the work directory).

  The generator records what each hijack really shares (its ground truth):
  the impersonated address, its organisation, and its payload family (the
  corpus macro document it carries, bare or in a password ZIP, grouped by the
  document's stem: SimpleMacro.xls/.doc/.docm/.xlsm hold one macro; the LNK
  in a ZIP; the JS in a ZIP). Download links are on a different host per
  hijack and every bot has its own relay, so links and relays share nothing.

  Properties checked (each compares the report with the ground truth; none
  is a fixed number):
    benign       no campaign holds real later benign mail (a false positive
                 must not surface as a campaign; with 0 detections it holds)
    separate     no campaign mixes generated hijacks with real phishing
    pure         every campaign's hijacks are connected by what they truly
                 share (same impersonated person or organisation, same
                 payload family); a campaign spanning unrelated organisations
                 without a shared payload fails
    waves        hijacks of one payload family (macro stem, LNK, JS) are
                 never split over several campaigns, and no campaign holds
                 two payload families (no bridging of waves)
    no_blob      the largest campaign holds at most --max-share of the hijacks
    range        the number of hijack campaigns lies between the number of
                 payload families present and the number of distinct
                 impersonated organisations + payload families (one per
                 impersonated partner organisation or per payload wave)
    phishing     real phishing campaigns of 2+ mails share a relay, a link
                 host, an attachment hash or an impersonated party (checked on
                 the report's own fields: the reason must be visible)
    rendered     every campaign has a row in the Markdown report and in the
                 --lang ja one, which has Japanese headings

USAGE
  scripts/eval-campaigns.py [--binary build/replyguard] [--corpus ../shared/corpus]
                            [--hijacks 504] [--phishing 0] [--seed 1] [--window-days 14]
                            [--keep] [--json] [--check] [--table N]
  --check exits 1 when a property fails (tests/cli/report_eval.sh uses it).
  Nothing reaches the network; the corpus is only read.
"""
import argparse
import atexit
import collections
import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
FREEMAIL = {"gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.jp", "hotmail.com", "outlook.com", "live.com",
            "msn.com", "aol.com", "icloud.com", "me.com", "mail.com", "gmx.de", "gmx.net", "web.de", "yandex.ru",
            "mail.ru", "protonmail.com", "docomo.ne.jp", "ezweb.ne.jp", "softbank.ne.jp", "i.softbank.jp"}
SLD = {"co", "ac", "or", "ne", "go", "ed", "com", "org", "net", "gov", "edu", "ltd", "plc"}


def load_eval_hijack():
    spec = importlib.util.spec_from_file_location("eval_hijack", os.path.join(HERE, "eval-hijack.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def organisation(address):
    """Registrable domain, roughly (the ground truth only needs to tell organisations apart)."""
    dom = address.rsplit("@", 1)[-1].lower().strip(".")
    labels = dom.split(".")
    if len(labels) >= 3 and labels[-2] in SLD and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def family(meta):
    p = meta["axes"]["payload"]
    if meta.get("macro_doc"):
        return "macro:" + meta["macro_doc"]
    if p in ("zip_lnk", "zip_js"):
        return p
    return None  # none, or a link on its own host


def run(cmd, ok=(0,)):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if r.returncode not in ok:
        sys.exit(f"eval-campaigns: {' '.join(cmd[:3])} failed ({r.returncode}): "
                 f"{r.stderr.decode('utf-8', 'replace')[-600:]}")
    return r


def partition(nodes, edges):
    parent = {x: x for x in nodes}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    out = collections.defaultdict(list)
    for x in nodes:
        out[find(x)].append(x)
    return sorted(out.values(), key=len, reverse=True)


def components(nodes, edges):
    return len(partition(nodes, edges))


def truth_edges(names, truth):
    """Hijacks sharing a person (generated, or named by a detector's evidence, e.g. a
    known correspondent of the same name), a (non-free-mail) organisation or a payload family."""
    by = collections.defaultdict(list)
    for h in names:
        t = truth[h]
        for who in {t["who"], *t.get("seen", ())}:
            by["who:" + who].append(h)
            org = organisation(who)
            if org not in FREEMAIL:
                by["org:" + org].append(h)
        if t["family"]:
            by["fam:" + t["family"]].append(h)
    return [(v[i - 1], v[i]) for v in by.values() for i in range(1, len(v))]


def macro_edges(fams, names, truth, fps):
    """Payload families whose documents carry the same macro code (Jaccard >= 0.5 over
    the fingerprints the store kept): one family in fact, e.g. one VBA in .xls and .xlsm."""
    code = collections.defaultdict(set)
    for h in names:
        if truth[h]["family"]:
            code[truth[h]["family"]].update(fps.get(h, ()))
    out = []
    for i, a in enumerate(fams):
        for b in fams[i + 1:]:
            if any(len(x & y) >= 0.5 * len(x | y) for x in code[a] for y in code[b]):
                out.append((a, b))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default="build/replyguard")
    ap.add_argument("--corpus", default=os.environ.get("REPLYGUARD_CORPUS_DIR", os.path.join(HERE, "..", "..", "shared", "corpus")))
    ap.add_argument("--hijacks", type=int, default=504)
    ap.add_argument("--phishing", type=int, default=0, help="first N phishing files by name (0: all)")
    ap.add_argument("--learn-fraction", type=float, default=0.6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--window-days", type=int, default=14)
    ap.add_argument("--max-share", type=float, default=0.5, help="largest campaign's share of the hijacks")
    ap.add_argument("--table", type=int, default=12, help="campaign rows printed")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--check", action="store_true", help="exit 1 when a property fails")
    a = ap.parse_args()
    eh = load_eval_hijack()

    tmp = tempfile.mkdtemp(prefix="rg-campaigns-")
    if not a.keep:  # also when a step fails and run() exits
        atexit.register(shutil.rmtree, tmp, True)
    es = eh.build_eval_set(a.corpus, a.hijacks, a.learn_fraction, a.seed, tmp)
    phish_dir = os.path.join(tmp, "phishing")
    os.makedirs(phish_dir)
    src_phish = os.path.join(a.corpus, "phishing", "phishing_pot")
    files = sorted(f for f in os.listdir(src_phish) if f.endswith(".eml")) if os.path.isdir(src_phish) else []
    if a.phishing:
        files = files[:a.phishing]
    for f in files:
        os.symlink(os.path.join(os.path.abspath(src_phish), f), os.path.join(phish_dir, f))

    db = os.path.join(tmp, "store.db")
    run([a.binary, "learn", "--no-progress", "--db", db, es["learn_dir"]])
    run([a.binary, "scan", "--no-progress", "--keep-detections", "--db", db, "--format", "jsonl", "-j", "2",
         es["hijack_dir"], es["later_dir"], phish_dir], ok=(0, 1))
    rep = [a.binary, "report", "--db", db, "--window-days", str(a.window_days)]
    report = json.loads(run(rep + ["--format", "json"]).stdout)
    md = run(rep).stdout.decode("utf-8")
    md_ja = run(rep + ["--lang", "ja", "--utc-offset", "9"]).stdout.decode("utf-8")
    for name, text in (("report.md", md), ("report.ja.md", md_ja)):
        with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
            f.write(text)

    # Which input each stored detection came from.
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    kind_of, name_of, seen, fps = {}, {}, {}, {}
    for rid, data in con.execute("SELECT id, data FROM detections"):
        dj = json.loads(data)
        src = dj.get("source", "")
        fps[os.path.basename(src)] = [frozenset(a["macro_fp"]) for a in dj.get("attachments", [])
                                      if len(a.get("macro_fp") or []) >= 5]
        seen[os.path.basename(src)] = {i["address"].lower() for i in dj.get("impersonated", []) if i.get("address")}
        base = os.path.basename(src)
        kind_of[rid] = ("hijack" if src.startswith(es["hijack_dir"]) else
                        "benign" if src.startswith(es["later_dir"]) else
                        "phishing" if src.startswith(phish_dir) else "other")
        name_of[rid] = base
    con.close()
    detected = collections.Counter(kind_of.values())

    truth = {}
    for h, m in es["meta"].items():
        org = organisation(m["impersonated"])
        truth[h] = {"who": m["impersonated"].lower(), "org": None if org in FREEMAIL else org, "family": family(m),
                    "seen": sorted(seen.get(h, ()))}

    cs = report["campaigns"]
    props, problems = {}, collections.defaultdict(list)
    hij_campaigns, phish_campaigns = [], []
    campaign_of = {}
    for c in cs:
        kinds = collections.Counter(kind_of.get(i, "other") for i in c["detection_ids"])
        hs = [name_of[i] for i in c["detection_ids"] if kind_of.get(i) == "hijack"]
        for h in hs:
            campaign_of[h] = c["id"]
        if kinds["benign"]:
            problems["benign"].append(c["id"])
        if kinds["hijack"] and kinds["phishing"]:
            problems["separate"].append(c["id"])
        if hs:
            hij_campaigns.append((c, hs))
            parts = partition(hs, truth_edges(hs, truth))
            if len(parts) != 1:
                orgs = sorted({truth[h]["org"] or truth[h]["who"] for h in hs})
                odd = parts[-1][0]
                problems["pure"].append(f"{c['id']} ({len(hs)} hijacks, {len(orgs)} organisations, "
                                        f"{len(parts)} unconnected parts; e.g. {odd}: {truth[odd]})")
            fams = sorted({truth[h]["family"] for h in hs} - {None})
            if len(fams) > 1 and components(fams, macro_edges(fams, hs, truth, fps)) != 1:
                problems["waves"].append(f"{c['id']} holds {fams} (no shared macro code between them)")
        elif kinds["phishing"]:
            phish_campaigns.append(c)
            if c["count"] >= 2 and not (c["relays"] or c["url_hosts"] or c["attachment_sha256"] or
                                        c["impersonated"] or c["organisations"]):
                problems["phishing"].append(c["id"])
    by_family = collections.defaultdict(set)
    for h, c in campaign_of.items():
        if truth[h]["family"]:
            by_family[truth[h]["family"]].add(c)
    for f, s in by_family.items():
        if len(s) > 1:
            problems["waves"].append(f"{f} split over {len(s)} campaigns")
    n_hij = sum(len(hs) for _, hs in hij_campaigns)
    largest = max((len(hs) for _, hs in hij_campaigns), default=0)
    if n_hij and largest > a.max_share * n_hij:
        problems["no_blob"].append(f"largest campaign holds {largest}/{n_hij} hijacks")
    detected_h = list(campaign_of)
    families = {truth[h]["family"] for h in detected_h} - {None}
    orgs = {truth[h]["org"] or truth[h]["who"] for h in detected_h}
    lo, hi = len(families), len(orgs) + len(families)
    if not lo <= len(hij_campaigns) <= hi:
        problems["range"].append(f"{len(hij_campaigns)} campaigns, expected {lo}..{hi}")
    for label, text in (("en", md), ("ja", md_ja)):
        rows = [ln for ln in text.splitlines() if ln.startswith("| ") and ln.rstrip().endswith(" |")]
        missing = [c["id"] for c in cs if not any(c["id"] in r for r in rows)]
        if missing:
            problems["rendered"].append(f"{label}: {len(missing)} campaigns without a row")
    if "なりすまされた組織" not in md_ja:
        problems["rendered"].append("ja: no Japanese heading")
    for p in ("benign", "separate", "pure", "waves", "no_blob", "range", "phishing", "rendered"):
        props[p] = not problems[p]

    sizes = collections.Counter(len(hs) for _, hs in hij_campaigns)
    summary = {
        "seed": a.seed, "hijacks": a.hijacks, "benign_later": len(es["later"]), "phishing": len(files),
        "detections": dict(detected), "campaigns": len(cs), "hijack_campaigns": len(hij_campaigns),
        "phishing_campaigns": len(phish_campaigns),
        "phishing_campaigns_2plus": sum(1 for c in phish_campaigns if c["count"] >= 2),
        "phishing_in_2plus": sum(c["count"] for c in phish_campaigns if c["count"] >= 2),
        "hijack_campaign_sizes": dict(sorted(sizes.items())),
        "payload_families": sorted(families), "impersonated_organisations": len(orgs),
        "truth_components": components(detected_h, truth_edges(detected_h, truth)),
        "expected_range": [lo, hi], "largest_hijack_campaign": largest,
        "properties": props, "problems": {k: v[:10] for k, v in problems.items() if v},
        "workdir": tmp if a.keep else None,
    }
    if a.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(f"input: {a.hijacks} hijacks, {len(es['later'])} real later benign, {len(files)} real phishing; "
              f"detections kept: {dict(detected)}")
        print(f"campaigns: {len(cs)} ({len(hij_campaigns)} of hijacks, {len(phish_campaigns)} of phishing, "
              f"{summary['phishing_campaigns_2plus']} of them with 2+ mails holding {summary['phishing_in_2plus']})")
        print(f"hijack campaign sizes (size: how many): {summary['hijack_campaign_sizes']}")
        print(f"payload families: {len(families)}; impersonated organisations: {len(orgs)}; "
              f"ground-truth components: {summary['truth_components']}; expected range {lo}..{hi}")
        print("properties: " + ", ".join(f"{k}={'ok' if v else 'FAIL'}" for k, v in props.items()))
        for k, v in summary["problems"].items():
            print(f"  {k}: {'; '.join(map(str, v))}")
        lines = md.splitlines()
        head = [ln for ln in lines if ln.startswith("|")][:2 + a.table]
        print("\nreport (first rows):\n" + "\n".join(head))
        if a.keep:
            print(f"\nwork directory kept: {tmp} (report.md, report.ja.md, store.db)")
    return 1 if a.check and not all(props.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
