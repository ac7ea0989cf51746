"""`picket intel compile | lookup | info` as the real binary, on the real
feeds of ../shared/data/intel (no root needed): per-feed reports, lookups
of known indicators, exit codes, atomic output, and refusal of truncated or
corrupt files."""

import json
import os
import shutil
import stat
import subprocess
import tempfile

import harness


def run(picket, *args):
    p = subprocess.run([picket, *args], capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def first_data_line(path, skip=("#",)):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith(skip):
                return line.split()[0]
    raise AssertionError(f"no data in {path}")


def main():
    args = harness.parse_args()
    check = harness.check
    picket = args.picket
    data = os.path.join(args.source_dir, "..", "shared", "data", "intel")
    if not os.path.isdir(data):
        print(f"SKIPPED: {data} is missing", flush=True)
        raise SystemExit(harness.SKIP)
    d = tempfile.mkdtemp(prefix="picket-intel-")
    out = os.path.join(d, "intel.pint")

    rc, text, _ = run(picket, "--help")
    check(rc == 0 and "  intel " in text, "--help lists intel")
    for sub in ("compile", "lookup", "info"):
        rc, text, _ = run(picket, "intel", sub, "--help")
        check(rc == 0 and "Usage" in text, f"intel {sub} --help: rc={rc}")
    rc, _, err = run(picket, "intel")
    check(rc == 2 and "subcommand" in err, "intel without subcommand: 2")

    feeds = [
        "firehol/feodo_2015.ipset",
        "firehol/spamhaus_drop.netset",
        "spamhaus/secops_drop_ipv6.txt",
        "maltrail/elf_mirai.txt",
        "maltrail/mass_scanner.txt",
        "mining/coinblocker_hosts",
        "urlhaus/urlhaus-filter-online.txt",
        "et-open/botcc.rules",
        "stix/apt1.json",
        "misp/long_event.json",
        "intelmq-fixtures/abusech_feodo_ipblocklist_sample.json",
    ]
    paths = [os.path.join(data, f) for f in feeds]
    # A per-file spec: format, feed name and category named explicitly.
    dp = os.path.join(data, "intelmq-fixtures", "dataplane_sshpwauth.txt")
    rc, text, err = run(picket, "intel", "compile", *paths,
                        f"{dp}:dataplane:dp_ssh:bruteforce", "-o", out)
    check(rc == 0, f"compile real feeds: rc={rc}\n{err}")
    check("feed feodo_2015, category botnet_c2: 235 accepted" in text,
          f"feodo_2015 report:\n{text}")
    check("feed spamhaus_drop, category drop: 986 accepted" in text,
          "spamhaus_drop report")
    check("feed elf_mirai, category botnet_c2: 17187 accepted, 37611 "
          "skipped, 0 rejected (65618 lines)" in text, "elf_mirai report")
    check("accepted: ipv4 12801, domain 4386" in text, "mirai kinds")
    check("skipped: url path 37611" in text, "mirai skipped reason")
    check("feed dp_ssh, category bruteforce: 3 accepted" in text,
          "explicit spec")
    check("feed long_event, category unknown: 115 accepted, 252 skipped, 3 "
          "rejected" in text, f"misp report:\n{text}")
    # Malformed lines: file:line: reason on stderr, compile not aborted.
    scanner = os.path.join(data, "maltrail", "mass_scanner.txt")
    check(f"{scanner}:17474: not an IP address, CIDR, domain name or "
          "SHA-256: C91.196.152.28" in err, f"rejected line shown:\n{err}")
    check("long_event.json:30: invalid URL host: 107.183.86" in err,
          "misp rejected attribute with its line")
    check(text.strip().splitlines()[-1].startswith(f"wrote {out}: "),
          "summary line")
    st = os.stat(out)
    check(stat.S_IMODE(st.st_mode) == 0o644, "mode 0644")
    check(os.listdir(d) == ["intel.pint"], f"no temporary left: {os.listdir(d)}")

    feodo_ip = first_data_line(os.path.join(data, "firehol", "feodo_2015.ipset"))
    v6_scanner = next(
        line.split()[0] for line in open(scanner, encoding="utf-8")
        if ":" in line.split("#")[0] and not line.startswith("#"))
    with open(os.path.join(data, "misp", "long_event.json")) as f:
        event = json.load(f)["Event"]
    sha = next(a["value"] for a in event["Attribute"]
               if a["type"] == "sha256" and a.get("to_ids"))
    wanted = {
        feodo_ip: f"match {feodo_ip} (ipv4) feed=feodo_2015 category=botnet_c2",
        "1.10.16.5": "match 1.10.16.0/20 (ipv4_net) feed=spamhaus_drop "
                     "category=drop",
        "2a06:e480::1": "match 2a06:e480::/29 (ipv6_net) "
                        "feed=secops_drop_ipv6 category=drop",
        v6_scanner: "(ipv6) feed=mass_scanner category=scanner",
        "X.000.0x1F4B0.com": "match 000.0x1f4b0.com (domain) "
                             "feed=coinblocker_hosts category=miner_pool",
        "104.143.5.144": "feed=botcc category=botnet_c2",
        "223.167.1.1": "match 223.166.0.0/15 (ipv4_net) feed=apt1",
        sha.upper(): f"match {sha} (sha256) feed=long_event category=malware",
        "51.178.161.32": "feed=abusech_feodo_ipblocklist_sample "
                         "category=botnet_c2",
    }
    rc, text, err = run(picket, "intel", "lookup", out, *wanted)
    check(rc == 0, f"every value found: rc={rc}\n{text}{err}")
    for value, expect in wanted.items():
        line = next((l for l in text.splitlines()
                     if l.startswith(value + ": ")), "")
        check(expect in line, f"{value}: want '{expect}', got '{line}'")

    rc, text, _ = run(picket, "intel", "lookup", out, "1.10.16.5", "8.8.8.8",
                      "example.org")
    check(rc == 3, f"a value without match: exit 3, got {rc}")
    check("8.8.8.8: no match" in text and "example.org: no match" in text,
          text)

    rc, text, _ = run(picket, "intel", "info", out)
    check(rc == 0, "info")
    check("format version: 1" in text and "feeds: 12" in text, text)
    check("  elf_mirai: format maltrail, category botnet_c2, ipv4 8498 "
          "ipv4_net 0 ipv6 0 ipv6_net 0 domain 4173" in
          text, f"per-feed counts in info:\n{text}")

    # Replacing the output is a rename: a reader mapping the old file is
    # never shown a half-written one.
    inode = os.stat(out).st_ino
    rc, _, _ = run(picket, "intel", "compile", paths[0], "-o", out)
    check(rc == 0 and os.stat(out).st_ino != inode, "replaced by rename")

    # Truncated, corrupt and foreign files are refused, clearly, exit 1.
    rc, _, _ = run(picket, "intel", "compile", *paths[:4], "-o", out)
    good = open(out, "rb").read()
    cut = os.path.join(d, "cut.pint")
    with open(cut, "wb") as f:
        f.write(good[: len(good) // 2])
    rc, _, err = run(picket, "intel", "lookup", cut, "1.10.16.5")
    check(rc == 1 and f"{cut}: truncated: header says {len(good)} bytes, "
          f"have {len(good) // 2}" in err, f"truncated: rc={rc} {err}")
    flipped = os.path.join(d, "flipped.pint")
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0x40
    with open(flipped, "wb") as f:
        f.write(bad)
    rc, _, err = run(picket, "intel", "info", flipped)
    check(rc == 1 and "checksum mismatch" in err, f"corrupt: rc={rc} {err}")
    rc, _, err = run(picket, "intel", "lookup", paths[0], "1.2.3.4")
    check(rc == 1 and "not a picket intel file" in err, f"foreign: {err}")
    rc, _, err = run(picket, "intel", "info", os.path.join(d, "nope.pint"))
    check(rc == 1 and "nope.pint" in err, f"missing: {err}")

    # Bad feeds: malformed lines are reported, never fatal; an unreadable
    # feed, an unknown format or an undetectable one are.
    junk = os.path.join(d, "junk.txt")
    with open(junk, "w") as f:
        f.write("# my list\n192.0.2.1\n300.1.1.1\nnot a thing at all\n"
                "198.51.100.0/24\n1.2.3.4:99999\n")
    rc, text, err = run(picket, "intel", "compile", junk, "-o",
                        os.path.join(d, "junk.pint"))
    check(rc == 0, f"junk compiles: {err}")
    # 198.51.100.0/24 is documentation space: dropped, counted, and kept
    # with --keep-special.
    check("1 accepted, 0 skipped, 3 rejected (6 lines)" in text, text)
    check("  dropped: special-purpose range 1, sink address 0" in text, text)
    check(", 3 rejected lines, 1 dropped," in text, text)
    rc, text, err = run(picket, "intel", "compile", junk, "--keep-special",
                        "-o", os.path.join(d, "junk.pint"))
    check(rc == 0 and "2 accepted, 0 skipped, 3 rejected (6 lines)" in text
          and "dropped:" not in text, f"--keep-special: {text}")
    check(f"{junk}:3: invalid IPv4 address: 300.1.1.1" in err, err)
    check(f"{junk}:6: invalid port: 1.2.3.4:99999" in err, err)
    rc, _, err = run(picket, "intel", "compile", junk, "--max-errors", "1",
                     "-o", os.path.join(d, "junk.pint"))
    check("... and 2 more rejected lines" in err, err)
    rc, _, err = run(picket, "intel", "compile", junk, "--format", "yaml",
                     "-o", out)
    check(rc == 2 and "unknown format 'yaml'" in err, f"bad format: {err}")
    rc, _, err = run(picket, "intel", "compile", junk, "--category", "evil",
                     "-o", out)
    check(rc == 2 and "unknown category 'evil'" in err, f"bad category: {err}")
    ndjson = os.path.join(data, "spamhaus", "secops_asn_drop.json")
    rc, _, err = run(picket, "intel", "compile", ndjson, "-o", out)
    check(rc == 2 and "cannot tell the feed format" in err, f"ndjson: {err}")
    rc, _, err = run(picket, "intel", "compile", os.path.join(d, "no.txt"),
                     "-o", out)
    check(rc == 1 and "no.txt" in err, f"unreadable feed: {err}")
    rc, _, err = run(picket, "intel", "compile", junk, "-o",
                     os.path.join(d, "missing-dir", "x.pint"))
    check(rc == 1 and "missing-dir" in err, f"unwritable output: {err}")
    check(open(out, "rb").read() == good, "failed compiles left the file")

    hygiene(picket, data, d)

    shutil.rmtree(d)
    print("PASS")


def hygiene(picket, data, d):
    """Special-purpose CIDRs and sink addresses of the real feeds."""
    check = harness.check
    out = os.path.join(d, "hygiene.pint")
    level1 = os.path.join(data, "firehol", "firehol_level1.netset")
    miners = os.path.join(data, "firehol", "coinbl_hosts.ipset")
    rc, text, err = run(picket, "intel", "compile", level1, miners, "-o", out)
    check(rc == 0, f"compile: {err}")
    check("feed firehol_level1, category drop: 2498 accepted" in text
          and "  dropped: special-purpose range 13, sink address 0" in text,
          f"firehol_level1 drops:\n{text}")
    check("feed coinbl_hosts, category miner_pool: 10229 accepted" in text
          and "  dropped: special-purpose range 0, sink address 2" in text,
          f"coinbl_hosts drops:\n{text}")
    check(", 0 rejected lines, 15 dropped," in text, text)
    rc, text, _ = run(picket, "intel", "lookup", out, "10.1.2.3", "127.0.0.1",
                      "255.255.255.255", "192.168.1.1", "224.0.0.251")
    check(rc == 3 and text.count(": no match") == 5, f"special space: {text}")
    # Exact public addresses the miner list names stay indicators (the
    # device's own resolver is kept quiet by intel.allow_own_infrastructure).
    rc, text, _ = run(picket, "intel", "lookup", out, "8.8.8.8", "1.10.16.5")
    check(rc == 0 and "feed=coinbl_hosts category=miner_pool" in text, text)
    rc, text, _ = run(picket, "intel", "compile", "--keep-special", level1,
                      miners, "-o", out)
    check(rc == 0 and "dropped" not in text.replace(", 0 dropped,", ""),
          f"--keep-special: {text}")
    rc, text, _ = run(picket, "intel", "lookup", out, "10.1.2.3",
                      "255.255.255.255")
    check(rc == 0, f"--keep-special keeps them: {text}")
    # intel.allow is validated at load, naming the bad item.
    conf = os.path.join(d, "allow.yaml")
    with open(conf, "w") as f:
        f.write("intel:\n  allow: [8.8.8.8, 10.0.0.0/8, pool.example, "
                "10.0.0.0/99]\n")
    rc, text, err = run(picket, "check-config", "-c", conf)
    msg = text + err
    check(rc == 2 and "intel.allow[3]: '10.0.0.0/99' is not an IP address"
          in msg, f"bad allow item: rc={rc} {msg}")


if __name__ == "__main__":
    main()
