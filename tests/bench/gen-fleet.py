#!/usr/bin/env python3
"""Synthetic fleet store from real emulated-host profiles.

Usage: gen-fleet.py DATADIR STOREDIR HOSTS PROFILES [SEED]

Writes STOREDIR/profiles/ID.xml (ID = SHA-256 of the canonical facts, as
`migcheck fleet pull` checks it) and STOREDIR/hosts/NAME.xml (the records
`migcheck fleet push` writes), the new store layout, and prints one line:
"hosts H profiles P seeds S".

Every profile starts from one of the real profiles below (tests/data: Debian
6.1, 6.12 and 7.3 arm64 hosts, 6.1 x86_64 hosts with and without libvirt/QEMU
facts), then differs the way a real fleet does, each choice drawn with a
skewed (mostly the newest) distribution so that few combinations are common
and many are rare:
  - the kernel build (kernel release: 3 builds per seed kernel, a rollout
    in progress);
  - a CPU feature subset: x86, a BIOS or microcode that hides TSX (HLE, RTM)
    or AVX-512F; arm64, firmware with an older PSCI (1.0) or without the
    Spectre-v2 workaround (SMCCC_ARCH_WORKAROUND_1);
  - the QEMU machine types (hosts with QEMU facts): QEMU 7.2, or an older
    7.1 / 6.2 without the newer machine types (default machine changed);
  - the VFIO devices: none, a Mellanox VF, or one of another driver version;
  - facts no rule reads: KVM_CAP_NR_VCPUS (the host's CPU count), which makes
    profiles distinct without making another migration class.
Profiles are distinct (a drawn duplicate is redrawn). Hosts are spread over
the profiles with a Zipf-like law (a few profiles hold many hosts).
Deterministic for a given SEED (default 1)."""
import hashlib
import os
import random
import sys

# (file under tests/data, weight)
SEEDS = [
    ("plan/real61-a57-to-a72.src", 6),     # arm64 6.1 cortex-a57
    ("plan/real61-a57-to-a72.dst", 6),     # arm64 6.1 cortex-a72
    ("plan/real61-to-612-a72.dst", 8),     # arm64 6.12 cortex-a72
    ("plan/real612-to-73-a57.src", 5),     # arm64 6.12 cortex-a57
    ("plan/real73-max-self.src", 2),       # arm64 7.3 max
    ("fleet/profiles/arm-n1.facts", 4),    # arm64 6.1 neoverse-n1
    ("fleet/profiles/arm-max.facts", 2),   # arm64 6.1 max
    ("plan-qemu/same-q35.src", 10),        # x86 6.1 + QEMU 7.2/libvirt 9.0
    ("plan-qemu/hostdev-no-pci.src", 4),   # the same with a VFIO device
    ("fleet/profiles/x86-epyc.facts", 8),  # x86 6.1 EPYC
    ("fleet/profiles/x86-max.facts", 3),
    ("fleet/profiles/x86-opteron.facts", 2),
    ("fleet/profiles/x86-qemu64.facts", 1),
]

VFIO_DEV = [
    ("kind", "pci"), ("ids", "15b3:101e 15b3:0062"), ("driver", "mlx5_vfio_pci"),
    ("driver_version", "1.0"), ("migration", "stop_copy,p2p"), ("iommu_group", "12"),
    ("dma_logging", "1"), ("coherent", "1"), ("open", "ok"),
]


def load(path):
    facts = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            d, k, v = line.split("\t", 2)
            facts[(d, k)] = v
    return facts


def skewed(rng, n):
    """0 most often, then 1, ...: weights 1/(i+1)^1.5."""
    w = [1.0 / (i + 1) ** 1.5 for i in range(n)]
    return rng.choices(range(n), weights=w)[0]


def bump_release(rel, n):
    # "6.1.0-57-arm64" -> "6.1.0-(57-n)-arm64"; "7.3.4+deb13-arm64" -> "7.3.(4-n)+deb13-arm64"
    head, _, tail = rel.partition("-")
    if tail and tail.split("-")[0].isdigit():
        abi, _, rest = tail.partition("-")
        return "%s-%d-%s" % (head, max(int(abi) - n, 1), rest)
    parts = rel.split(".")
    if len(parts) >= 3:
        num = "".join(c for c in parts[2] if c.isdigit())
        rest = parts[2][len(num):]
        if num:
            parts[2] = "%d%s" % (max(int(num) - n, 0), rest)
    return ".".join(parts)


def clear_bits(facts, key, mask):
    v = facts.get(("x86.cpuid", key))
    if v is not None:
        facts[("x86.cpuid", key)] = "0x%08x" % (int(v, 16) & ~mask)


def older_qemu(facts, gen):
    """gen 1: QEMU 7.1, gen 2: QEMU 6.2: no machine types after it."""
    if ("qemu", "version") not in facts:
        return
    last = {1: (7, 1), 2: (6, 2)}[gen]
    for (d, k) in list(facts):
        if d != "qemu.machine" or not (k.startswith("pc-q35-") or k.startswith("pc-i440fx-")):
            continue
        ver = tuple(int(x) for x in k.rsplit("-", 1)[1].split(".")[:2])
        if ver > last:
            del facts[(d, k)]
    s = "%d.%d" % last
    facts[("qemu.machine", "q35")] = "alias pc-q35-" + s
    facts[("qemu.machine", "pc")] = "alias pc-i440fx-" + s
    facts[("qemu", "default_machine")] = "pc-q35-" + s
    facts[("qemu", "version")] = s + ".0"


def variant(base, rng):
    f = dict(base)
    arch = f.get(("kernel", "arch"))
    k = skewed(rng, 3)
    if k:
        f[("kernel", "release")] = bump_release(f[("kernel", "release")], k)
    cpu = skewed(rng, 3)
    if arch == "x86_64":
        if cpu == 1:  # TSX off: HLE (bit 4), RTM (bit 11)
            clear_bits(f, "0x00000007.0x00000000.ebx", (1 << 4) | (1 << 11))
        elif cpu == 2:  # AVX-512F off (bit 16), AVX2 kept
            clear_bits(f, "0x00000007.0x00000000.ebx", 1 << 16)
            clear_bits(f, "0x00000007.0x00000000.ebx", 1 << 5)
        q = skewed(rng, 3)
        if q:
            older_qemu(f, q)
    else:
        if cpu == 1 and ("arm64.fwreg", "PSCI_VERSION") in f:
            f[("arm64.fwreg", "PSCI_VERSION")] = "0x10000"
        elif cpu == 2 and ("arm64.fwreg", "SMCCC_ARCH_WORKAROUND_1") in f:
            f[("arm64.fwreg", "SMCCC_ARCH_WORKAROUND_1")] = "0x0" if f[
                ("arm64.fwreg", "SMCCC_ARCH_WORKAROUND_1")] != "0x0" else "0x1"
    v = rng.choices(range(3), weights=[6, 2, 1])[0]
    if v:
        for key, val in VFIO_DEV:
            f[("vfio.dev", "0000:03:00.1." + key)] = val
        if v == 2:
            f[("vfio.dev", "0000:03:00.1.driver_version")] = "1.1"
    # not read by any rule: the host's CPU count
    f[("kvm.cap", "KVM_CAP_NR_VCPUS")] = str(rng.choice([8, 16, 24, 32, 48, 64, 96, 128, 192,
                                                         256, 384, 512]) + rng.randrange(4))
    return f


def canonical(f):
    return "".join("%s\t%s\t%s\n" % (d, k, v) for (d, k), v in
                   sorted(f.items(), key=lambda kv: (kv[0][0].encode(), kv[0][1].encode())))


def esc(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    data, store, nhosts, nprof = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 1)
    bases = [(load(os.path.join(data, p)), w) for p, w in SEEDS]
    os.makedirs(os.path.join(store, "profiles"), exist_ok=True)
    os.makedirs(os.path.join(store, "hosts"), exist_ok=True)
    ids, seen, tries = [], set(), 0
    while len(ids) < nprof:
        tries += 1
        if tries > nprof * 100:
            sys.exit("gen-fleet: cannot draw %d distinct profiles" % nprof)
        base = rng.choices([b for b, _ in bases], weights=[w for _, w in bases])[0]
        canon = canonical(variant(base, rng))
        pid = hashlib.sha256(canon.encode()).hexdigest()
        if pid in seen:
            continue
        seen.add(pid)
        ids.append(pid)
        with open(os.path.join(store, "profiles", pid + ".xml"), "w") as out:
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                      '<profile id="%s" xmlns="urn:x-migcheck:profile:1">\n' % pid)
            for line in canon.splitlines():
                d, k, v = line.split("\t", 2)
                out.write('  <fact domain="%s" key="%s" value="%s"/>\n' % (esc(d), esc(k), esc(v)))
            out.write("</profile>\n")
    # every profile has a host; the rest Zipf-like
    weights = [1.0 / (i + 1) ** 0.8 for i in range(nprof)]
    owners = list(range(nprof)) + rng.choices(range(nprof), weights=weights,
                                              k=max(nhosts - nprof, 0))
    for i, p in enumerate(owners[:nhosts]):
        name = "kvm%06d" % (i + 1)
        with open(os.path.join(store, "hosts", name + ".xml"), "w") as out:
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n<host name="%s" profile="%s" '
                      'probed="2026-11-24T03:%02d:00Z" xmlns="urn:x-migcheck:host:1"/>\n'
                      % (name, ids[p], i % 60))
    print("hosts %d profiles %d seeds %d" % (min(nhosts, len(owners)), len(ids), len(bases)))


if __name__ == "__main__":
    main()
