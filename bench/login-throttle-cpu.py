import base64, http.client, os, sys, time
# Server CPU (utime+stime of its process) per HTTP Basic request: a script with the right password, wrong passwords
# before and after the lockout. Usage: python3 bench/login-throttle-cpu.py SERVER_PID PORT ADMIN_PASSWORD
pid = int(sys.argv[1])
port = int(sys.argv[2])
admin_password = sys.argv[3]
hz = os.sysconf('SC_CLK_TCK')
def cpu():
    f = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
    return (int(f[11]) + int(f[12])) / hz
def run(user, password, n):
    c = http.client.HTTPConnection('127.0.0.1', port)
    auth = 'Basic ' + base64.b64encode(f'{user}:{password}'.encode()).decode()
    codes = {}
    t0 = cpu(); w0 = time.time()
    for _ in range(n):
        c.request('GET', '/api/v1/streams', headers={'Authorization': auth})
        r = c.getresponse(); r.read()
        codes[r.status] = codes.get(r.status, 0) + 1
    return codes, cpu() - t0, time.time() - w0
for label, user, pw, n in [('right password (script)', 'admin', admin_password, 1000),
                           ('wrong password, before lockout', 'admin', 'wrong-password', 10),
                           ('wrong password, locked out', 'admin', 'wrong-password', 1000),
                           ('other names from the same address', 'x', 'wrong', 1000)]:
    codes, cpus, wall = run(user, pw, n)
    print(f'{label}: {n} requests, statuses {codes}, server CPU {cpus:.2f} s ({1000*cpus/n:.2f} ms/request), wall {wall:.1f} s')
