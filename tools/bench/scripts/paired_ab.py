#!/usr/bin/env python3
"""Paired A/B by hand: the validate floor and each (binary, command) alternately, CPU time
(user + system) and wall time per run, medians of the pairwise ratios.
AB_DIR holds bin/floor (handover-migrate-floor), bin/<binaries>, p<SIZE> (a generated project)
and a<SIZE> (a copy after `apply --yes`, for verify).
usage: paired_ab.py ROUNDS SIZE BIN[,BIN...] [scan,plan,planjson,planout,verify]"""
import os, sys, subprocess, time, statistics
rounds=int(sys.argv[1]); size=sys.argv[2]; bins=sys.argv[3].split(',')
cmds=(sys.argv[4] if len(sys.argv)>4 else "scan,plan,planjson,planout,verify").split(',')
D=os.environ.get("AB_DIR", "/tmp/load-ab")
FLOOR=D+'/bin/floor'
def run(argv):
    t=time.time()
    p=subprocess.Popen(argv,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
    _,st,ru=os.wait4(p.pid,0)
    w=time.time()-t
    if st!=0 and not (argv[-1]=='verify'): print('FAIL',argv,st,file=sys.stderr)
    return ru.ru_utime+ru.ru_stime, w, ru.ru_maxrss
def args(c):
    proj=f'{D}/a{size}' if c=='verify' else f'{D}/p{size}'
    a={'scan':['scan'],'plan':['plan'],'planjson':['plan','--json'],'planout':['plan','--out',D+'/out.json'],'verify':['verify']}[c]
    return proj,a
res={}
for r in range(rounds+1):
    for c in cmds:
        proj,a=args(c)
        for b in bins:
            f=run([FLOOR,'validate',proj])
            t=run([D+'/bin/'+b,'--project',proj]+a)
            if r>0: res.setdefault((c,b),[]).append((t[0]/f[0],t[1]/f[1],t[0],f[0],t[2]))
print(f"size {size} rounds {rounds} load {os.getloadavg()}")
for (c,b),v in res.items():
    print(f"{c:9} {b:12} cpu x {statistics.median(x[0] for x in v):.2f}  wall x {statistics.median(x[1] for x in v):.2f}  tool cpu {statistics.median(x[2] for x in v):.3f}s floor cpu {statistics.median(x[3] for x in v):.3f}s maxrss {max(x[4] for x in v)/1024:.1f}MiB")
