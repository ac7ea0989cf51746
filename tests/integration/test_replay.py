"""`picket replay` on the real captures in ../shared/data/traffic.

For each capture, the TCP connection attempts (SYN without ACK), UDP
datagrams and ICMP messages are counted independently here with a small
pcap reader, and must equal the totals of the `count` fields of the
network.connection events the replay writes (first sight plus interval
records). A truncated capture must be reported (exit 1) with what came
before it still written; a file that is not a capture exits 1 naming it.
"""

import glob
import json
import os
import struct
import subprocess
import tempfile

import harness


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None, []
    linktype = struct.unpack(e + "I", data[20:24])[0]
    off, packets = 24, []
    while off + 16 <= len(data):
        caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        packets.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return linktype, packets


def classify(linktype, frame):
    """Returns 'syn', 'udp', 'icmp' or None for one frame."""
    if linktype == 1:
        eth = struct.unpack(">H", frame[12:14])[0]
        off = 14
        while eth in (0x8100, 0x88A8):
            eth = struct.unpack(">H", frame[off + 2:off + 4])[0]
            off += 4
        if eth == 0x0800:
            ip = frame[off:]
        elif eth == 0x86DD:
            ip = frame[off:]
        else:
            return None
    elif linktype in (101, 228, 229):
        ip = frame
    elif linktype == 113:
        ip = frame[16:]
    else:
        return None
    if not ip:
        return None
    version = ip[0] >> 4
    if version == 4:
        ihl = (ip[0] & 15) * 4
        frag = struct.unpack(">H", ip[6:8])[0] & 0x1FFF
        if frag:
            return None
        proto, l4 = ip[9], ip[ihl:]
    elif version == 6:
        proto, l4 = ip[6], ip[40:]
    else:
        return None
    if proto == 6 and len(l4) >= 14:
        flags = l4[13]
        return "syn" if flags & 0x12 == 0x02 else None
    if proto == 17:
        return "udp"
    if proto in (1, 58):
        return "icmp"
    return None


def replay(picket, path):
    p = subprocess.run([picket, "replay", "--pcap", path],
                       capture_output=True, text=True, timeout=120)
    events = [json.loads(l) for l in p.stdout.splitlines() if l]
    return p.returncode, events, p.stderr


def main():
    args = harness.parse_args()
    check = harness.check
    data = os.path.join(args.source_dir, "..", "shared", "data", "traffic")
    captures = sorted(glob.glob(os.path.join(data, "*", "*.pcap")))
    check(captures, f"captures found under {data}")
    for path in captures:
        linktype, frames = read_pcap(path)
        expected = {"syn": 0, "udp": 0, "icmp": 0}
        for f in frames:
            kind = classify(linktype, f)
            if kind:
                expected[kind] += 1
        rc, events, err = replay(args.picket, path)
        check(rc == 0, f"{path}: exit {rc}: {err}")
        got = {"syn": 0, "udp": 0, "icmp": 0}
        for e in events:
            if e["type"] != "network.connection":
                continue
            p = e["payload"]
            kind = {"tcp": "syn", "udp": "udp"}.get(p["protocol"], "icmp")
            got[kind] += p["count"]
        check(got == expected, f"{os.path.basename(path)}: counted {got}, "
              f"expected {expected}")
        print(f"{os.path.basename(path)}: {expected}")

    # A capture cut in the middle of a record.
    src = os.path.join(data, "zeek-traces", "sshguess.pcap")
    with open(src, "rb") as f:
        whole = f.read()
    d = tempfile.mkdtemp(prefix="picket-replay-")
    cut = os.path.join(d, "cut.pcap")
    with open(cut, "wb") as f:
        f.write(whole[:len(whole) // 2 + 7])
    rc, events, err = replay(args.picket, cut)
    check(rc == 1, f"truncated capture exits 1, got {rc}")
    check("cut.pcap" in err, f"error names the file: {err}")
    check(any(e["type"] == "network.connection" for e in events),
          "events before the cut are written")

    junk = os.path.join(d, "junk.pcap")
    with open(junk, "wb") as f:
        f.write(b"this is not a capture file\n" * 10)
    rc, events, err = replay(args.picket, junk)
    check(rc == 1 and "junk.pcap" in err, f"garbage file: {rc} {err}")
    check(not events, "nothing written for garbage")
    print("PASS")


if __name__ == "__main__":
    main()
