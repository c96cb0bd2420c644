#!/usr/bin/env python3
"""Write a copy of a flattened device tree with a /reserved-memory node of
N children added to the root (one in every STEP with a 4 KiB "reg" at
BASE + i * 4 KiB, the others with only "size"). dtc's parser runs out of
stack on that many sibling nodes, and merging them in blocks takes minutes.

usage: bigdtb.py IN.dtb OUT.dtb [N [STEP [BASE]]]
"""
import struct
import sys

BEGIN, END, PROP, NOP, FDT_END = 1, 2, 3, 4, 9


def main():
    src, dst = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 40000
    step = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
    base = int(sys.argv[5], 0) if len(sys.argv) > 5 else 0x50000000
    blob = open(src, "rb").read()
    (magic, _total, off_st, off_str, off_rsv, version, last, cpu, size_str,
     size_st) = struct.unpack(">10I", blob[:40])
    assert magic == 0xD00DFEED and version >= 17, "need a version-17 blob"
    st, strings = blob[off_st:off_st + size_st], bytearray(blob[off_str:off_str + size_str])
    names = {}

    def name(s):
        if s not in names:
            names[s] = len(strings)
            strings.extend(s.encode() + b"\0")
        return names[s]

    def node(nm):
        b = nm.encode() + b"\0"
        return struct.pack(">I", BEGIN) + b + b"\0" * (-len(b) % 4)

    def prop(nm, value):
        return struct.pack(">III", PROP, len(value), name(nm)) + value + b"\0" * (-len(value) % 4)

    # The root's FDT_END_NODE is the last token before FDT_END.
    assert st[-4:] == struct.pack(">I", FDT_END) and st[-8:-4] == struct.pack(">I", END)
    add = [node("reserved-memory"), prop("#address-cells", struct.pack(">I", 2)),
           prop("#size-cells", struct.pack(">I", 2)), prop("ranges", b"")]
    for i in range(n):
        a = base + i * 0x1000
        add.append(node(f"reserved@{a:x}"))
        if i % step == 0:
            add.append(prop("reg", struct.pack(">QQ", a, 0x1000)))
        else:
            add.append(prop("size", struct.pack(">Q", 0x1000)))
        add.append(struct.pack(">I", END))
    add.append(struct.pack(">I", END))
    new_st = st[:-8] + b"".join(add) + st[-8:]
    rsv = blob[off_rsv:off_st] if off_rsv < off_st else struct.pack(">QQ", 0, 0)
    off_rsv, off_st = 40, 40 + len(rsv)
    off_str = off_st + len(new_st)
    total = off_str + len(strings)
    header = struct.pack(">10I", magic, total, off_st, off_str, off_rsv, 17, 16, cpu,
                         len(strings), len(new_st))
    with open(dst, "wb") as f:
        f.write(header + rsv + new_st + bytes(strings))


if __name__ == "__main__":
    main()
