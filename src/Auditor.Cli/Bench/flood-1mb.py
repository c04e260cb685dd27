#!/usr/bin/env python3
# Usage: flood-1mb.py URL API_KEY SERVER_PID THREADS SECONDS SQLITE_FILE  (docs/reliability.md, issue #13)
# Flood a running server with 1 MB samples from N threads for T seconds; report statuses, acked ids, server peak RSS.
import json, sys, threading, time, urllib.request, urllib.error, datetime, random, string, sqlite3
url, key, pid, threads, seconds, db = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
words = ["the","cache","model","answer","token","latency","server","queue","report","value","because","after"]
rng = random.Random(1)
text = " ".join(rng.choice(words) for _ in range(200000))[:1_000_000]
acked, statuses, lock = [], {}, threading.Lock()
retry_after = set()
stop = time.time() + seconds
def worker(w):
    i = 0
    while time.time() < stop:
        sid = f"flood-{w}-{i}"; i += 1
        body = json.dumps({"sampleId": sid, "occurredAt": datetime.datetime.now(datetime.timezone.utc).isoformat(), "model": "flood", "route": "flood/1mb", "output": text, "finishReason": "stop"}).encode()
        req = urllib.request.Request(url + "/api/v1/samples", data=body, headers={"Content-Type": "application/json", "X-Api-Key": key})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                code = r.status
        except urllib.error.HTTPError as e:
            code = e.code
            if e.headers.get("Retry-After"): retry_after.add(e.headers.get("Retry-After"))
            if code == 503: time.sleep(int(e.headers.get("Retry-After", "1")) * 0.25)
        except Exception as e:
            code = type(e).__name__
        with lock:
            statuses[code] = statuses.get(code, 0) + 1
            if code == 202: acked.append(sid)
ts = [threading.Thread(target=worker, args=(w,)) for w in range(threads)]
t0 = time.time()
for t in ts: t.start()
peak = 0
while any(t.is_alive() for t in ts):
    time.sleep(0.5)
for t in ts: t.join()
elapsed = time.time() - t0
hwm = [l for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM") or l.startswith("VmRSS")]
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
counted = {r[0] for r in c.execute("SELECT sample_id FROM sample_ids WHERE sample_id LIKE 'flood-%'")}
print(f"{threads} threads x {seconds:.0f} s of 1 MB samples: statuses {statuses}; Retry-After values {retry_after}; wall {elapsed:.1f} s")
print(f"acknowledged {len(acked)}, counted {len(counted)}, acknowledged but not counted {len(set(acked) - counted)}")
print("server " + " ".join(l.strip() for l in hwm))
