"""Writes the ingest scenarios' bodies into the directory given: events10.json (compare.sh only),
events100.json and events1000.json,
`{"events": [...]}` of one blog request event repeated, each with `"request_id": "@ID@"`, which
`wrk/request.lua` (through `wrk/unique_ids.lua`) replaces with a new id each time it is sent."""
import json
import sys
import uuid

event = {"type": "request", "ts": "2026-11-22T10:00:00.000Z", "service": "blog-service", "tenant_id": str(uuid.uuid4()),
         "user_id": str(uuid.uuid4()), "method": "GET", "path": "/v1/posts/" + str(uuid.uuid4()), "route": "/v1/posts/{id}",
         "status": 200, "duration_ms": 3.25, "client_ip": "203.0.113.7", "user_agent": "curl/8.5.0"}
for n in (10, 100, 1000):
    events = [dict(event, request_id="@ID@") for _ in range(n)]
    with open(f"{sys.argv[1]}/events{n}.json", "w") as body:
        body.write(json.dumps({"events": events}))
