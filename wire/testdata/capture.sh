#!/usr/bin/env bash
# Test-only helper: regenerates the real packet captures under testdata.
# Creates three network namespaces (h1 -- r -- h2) joined by veth pairs,
# addressed from 10.77.0.0/16 and 2001:db8:77::/48 only, runs iputils ping,
# traceroute and a python raw socket between them, captures with tcpdump -xx
# on h1 and deletes the namespaces on exit. Nothing leaves these namespaces.
# Needs root, iputils-ping, traceroute, tcpdump and python3.
set -euo pipefail
out=${1:-/tmp/wire-capture}
mkdir -p "$out"
p=wirecap$$
h1=$p-h1 r=$p-r h2=$p-h2
cleanup() { for n in $h1 $r $h2; do ip netns del $n 2>/dev/null || true; done; }
trap cleanup EXIT
for n in $h1 $r $h2; do ip netns add $n; ip -n $n link set lo up; done
ip link add e0 netns $h1 type veth peer name e0 netns $r
ip link add e0 netns $h2 type veth peer name e1 netns $r
ip -n $h1 addr add 10.77.1.1/24 dev e0; ip -n $h1 addr add 2001:db8:77:1::1/64 dev e0 nodad
ip -n $r addr add 10.77.1.2/24 dev e0; ip -n $r addr add 2001:db8:77:1::2/64 dev e0 nodad
ip -n $r addr add 10.77.2.1/24 dev e1; ip -n $r addr add 2001:db8:77:2::1/64 dev e1 nodad
ip -n $h2 addr add 10.77.2.2/24 dev e0; ip -n $h2 addr add 2001:db8:77:2::2/64 dev e0 nodad
for n in $h1 $r $h2; do ip -n $n link set e0 up; done
ip -n $r link set e1 up
ip -n $h1 route add default via 10.77.1.2; ip -n $h1 -6 route add default via 2001:db8:77:1::2
ip -n $h2 route add default via 10.77.2.1; ip -n $h2 -6 route add default via 2001:db8:77:2::1
for n in $h1 $r $h2; do
  ip netns exec $n sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
    net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_ratemask=0 net.ipv6.icmp.ratelimit=0
done
ip netns exec $h2 python3 -c '
import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
s.bind(("10.77.2.2",8080)); s.listen(5); time.sleep(30)' &
listener=$!
sleep 0.5 # lets the listener bind; the captures below do not depend on it otherwise
cap() { # name, then the command run in h1
  local name=$1; shift
  ip netns exec $h1 tcpdump -i e0 -nn -U --immediate-mode -w "$out/$name.pcap" 2>"$out/$name.err" &
  local td=$!
  until grep -q listening "$out/$name.err"; do sleep 0.1; done
  ip netns exec $h1 "$@" >"$out/$name.txt" 2>&1 || true
  sleep 0.5; kill $td; wait $td || true
  tcpdump -nn -xx -r "$out/$name.pcap" >"$out/$name.hex" 2>/dev/null
}
cap ping-rr ping -R -c1 -W1 10.77.2.2
cap ping-ts-only ping -T tsonly -c1 -W1 10.77.2.2
cap ping-ts-prespec ping -T tsprespec 10.77.1.2 10.77.2.2 -c1 -W1 10.77.2.2
cap ping-ts-addr ping -T tsandaddr -c1 -W1 10.77.2.2
cap trace-udp traceroute -n -q1 -m3 10.77.2.2
cap trace-icmp traceroute -n -q1 -m3 -I 10.77.2.2
cap trace-tcp-rst traceroute -n -q1 -m3 -T -p 81 10.77.2.2
cap trace-tcp-synack traceroute -n -q1 -m3 -T -p 8080 10.77.2.2
cap trace-udp6 traceroute -6 -n -q1 -m3 2001:db8:77:2::2
cap ping6 ping -6 -c1 -W1 2001:db8:77:2::2
cap ping-rr-ttl1 ping -R -t1 -c1 -W1 10.77.2.2
cap ping6-ttl1 ping -6 -t1 -c1 -W1 2001:db8:77:2::2
# two-host request (ICMP echo code 1, TTL 5, UDP, flow 33434): plain Linux
# echoes it back as an echo reply with code 1 (the presence check of
# docs/protocols.md section 3).
cap twohost-req python3 -c '
import socket,struct
def csum(b):
    s=sum(struct.unpack("!%dH"%(len(b)//2),b)); s=(s>>16)+(s&0xffff); s+=s>>16; return ~s&0xffff
m=struct.pack("!BBHHHBBH",8,1,0,0x4242,0,5,17,33434); m=m[:2]+struct.pack("!H",csum(m))+m[4:]
s=socket.socket(socket.AF_INET,socket.SOCK_RAW,socket.IPPROTO_ICMP); s.settimeout(1)
s.sendto(m,("10.77.2.2",0)); print(s.recv(100).hex())'
kill $listener 2>/dev/null || true
# Split each capture into one file per IP packet (Ethernet header removed),
# skipping ARP and IPv6 neighbour discovery / multicast listener noise:
# "<name>-<n>.hex" holds the tcpdump summary as a "#" comment and the hex.
python3 - "$out" <<'PY'
import glob, os, re, sys
out = sys.argv[1]
for f in sorted(glob.glob(os.path.join(out, "*.hex"))):
    name = os.path.basename(f)[:-4]
    pkts, cur = [], None
    for line in open(f):
        if not line.startswith("\t"):
            cur = [line.strip(), ""]
            pkts.append(cur)
        else:
            cur[1] += "".join(line.split(":", 1)[1].split())
    n = 0
    for summary, hexs in pkts:
        if "ARP" in summary or "multicast listener" in summary or "neighbor" in summary or "router solicitation" in summary:
            continue
        n += 1
        summary = re.sub(r"^\S+ ", "", summary)
        with open(os.path.join(out, "pkt-%s-%d.hex" % (name, n)), "w") as w:
            w.write("# %s\n%s\n" % (summary, hexs[28:]))
PY
