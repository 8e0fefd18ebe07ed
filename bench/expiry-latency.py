"""How long after an expiry answered do the other instances refuse the token?

expiry-latency.py COUNT MANAGER_TOKEN URL...: for each of COUNT rounds, creates a token
through one instance (in turn), has every other instance check it (so that each holds it in
memory), expires it through the first, and from the moment that answer arrived asks every
other instance in turn until each has refused it. Prints the delays in milliseconds (p50,
p99, max over every instance and round) and how many checks accepted the token after the
expiry had answered.
"""
import http.client, json, statistics, sys, time
from urllib.parse import urlsplit

count, manager, urls = int(sys.argv[1]), sys.argv[2], sys.argv[3:]


def connection(url):
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port)


instances = [connection(url) for url in urls]


def call(instance, method, path, token, body=None):
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    instance.request(method, path, body=body, headers=headers)
    answer = instance.getresponse()
    return answer.status, answer.read()


delays, late_accepts, checks = [], 0, 0
for round_ in range(count):
    writer = instances[round_ % len(instances)]
    others = [instance for instance in instances if instance is not writer]
    status, body = call(writer, "POST", "/api/v1/tokens", manager,
                        {"label": f"expiry {round_}", "permissions": ["profile:read"]})
    assert status == 201, (status, body)
    created = json.loads(body)
    secret, token_id = created["secret"], created["token"]["id"]
    for other in others:
        status, _ = call(other, "GET", "/api/v1/auth", secret)
        assert status == 200, status

    status, body = call(writer, "DELETE", f"/api/v1/tokens/{token_id}", manager)
    assert status == 200, (status, body)
    answered = time.perf_counter()
    waiting = list(others)
    while waiting:
        for other in list(waiting):
            status, _ = call(other, "GET", "/api/v1/auth", secret)
            checks += 1
            if status == 200:
                late_accepts += 1
            else:
                delays.append((time.perf_counter() - answered) * 1000)
                waiting.remove(other)
        if time.perf_counter() - answered > 10:
            sys.exit(f"round {round_}: still accepted 10 s after the expiry answered")

delays.sort()
p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
print(f"{count} expiries, {len(delays)} refusals awaited on {len(instances) - 1} other "
      f"instances each, {checks} checks after the answers")
print(f"delay until refused, ms: p50 {statistics.median(delays):.2f}  p99 {p99:.2f}  "
      f"max {delays[-1]:.2f}")
print(f"checks that accepted the token after its expiry answered: {late_accepts}")
