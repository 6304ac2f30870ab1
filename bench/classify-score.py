#!/usr/bin/env python3
"""classify-score.py - tenant-feedback classify against labelled bounces.

    classify-score.py TENANT_FEEDBACK LABELS [--misses]

LABELS is tests/fixtures/corpus/NAME.labels (FILE RECIPIENT REASON CATEGORY WHY);
the files are read from the labels file's directory. Each labelled recipient is
looked up in `classify --json` output for its file. The suppression decision is
"suppress" for hard, complaint and unsubscribe. A labelled recipient that the
classifier does not report counts as "no recipient found" (and as not
suppressed). Files labelled with no failed recipient (auto-replies, spam to the
bounce address) are right when the classifier suppresses nobody in them. A
complaint labelled with no recipient (the provider redacted it) is right when the
classifier reports a complaint naming no one: it counts against the tenant.
"""
import json, os, subprocess, sys

SUPPRESS = {"hard", "complaint", "unsubscribe"}
NOFAIL = {"auto-reply", "none"}


def main():
    fb, labels = sys.argv[1], sys.argv[2]
    show = "--misses" in sys.argv
    base = os.path.dirname(os.path.abspath(labels))
    rows = [l.rstrip("\n").split("\t") for l in open(labels, encoding="utf-8") if l.strip()]
    files = sorted({r[0] for r in rows})
    got = {}
    for f in files:
        out = subprocess.run([fb, "classify", "--json", os.path.join(base, f)], capture_output=True, text=True)
        got[f] = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
    n = right = wrong_supp = missed = norcpt = cat_right = reason_right = 0
    misses = []
    for f, rcpt, reason, cat, why in rows:
        n += 1
        outs = got[f]
        if cat in NOFAIL:
            gsupp = any(o["category"] in SUPPRESS for o in outs)
            gcat = outs[0]["category"] if outs else "none"
            greason = outs[0].get("reason", "") if outs else ""
            if gcat in NOFAIL:
                gcat = cat if gcat == cat else gcat
        else:
            # the Final-Recipient, or the Original-Recipient the sender gave (the one suppressed)
            if rcpt == "-":  # a report naming no one: its line with no recipient
                o = next((o for o in outs if o.get("recipient") is None and o["category"] != "none"), None)
            else:
                o = next((o for o in outs if rcpt.lower() in ((o.get("recipient") or "").lower(),
                                                              (o.get("original_recipient") or "").lower())), None)
            if o is None:
                norcpt += 1
                gsupp, gcat, greason = False, "(no recipient)", ""
            else:
                gsupp = o["category"] in SUPPRESS
                gcat = o["category"]
                greason = o.get("reason", "")
        lsupp = cat in SUPPRESS
        ok = gsupp == lsupp
        right += ok
        cat_right += gcat == cat
        reason_right += greason == reason
        if gsupp and not lsupp:
            wrong_supp += 1
        if lsupp and not gsupp:
            missed += 1
        if not ok or (show and gcat != cat):
            misses.append(f"  {'WRONG' if not ok else 'cat  '} {f} {rcpt}: label {reason}/{cat}, got {greason or '-'}/{gcat}")
    name = os.path.basename(labels).rsplit(".", 1)[0]
    pct = lambda a: f"{100.0 * a / n:.1f}%"
    print(f"{name}: {n} labelled recipients in {len(files)} files")
    print(f"  suppression decision correct: {right} ({pct(right)})")
    print(f"  wrongly suppressed (valid recipients): {wrong_supp} ({pct(wrong_supp)})")
    print(f"  missed suppressions: {missed} ({pct(missed)})")
    print(f"  labelled recipient not found: {norcpt} ({pct(norcpt)})")
    print(f"  category correct: {cat_right} ({pct(cat_right)}), reason correct: {reason_right} ({pct(reason_right)})")
    for m in misses:
        print(m)


main()
