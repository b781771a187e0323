"""A tiny ASGI app for the probe's real-stack test: /slow awaits (the event loop keeps running, so
gunicorn's heartbeat continues), /block sleeps in the loop (the heartbeat stops: WORKER TIMEOUT)."""
import asyncio, time
from urllib.parse import parse_qs

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    q = parse_qs(scope.get("query_string", b"").decode())
    s = float(q.get("seconds", ["0"])[0])
    if scope["path"] == "/slow":
        await asyncio.sleep(s)
    elif scope["path"] == "/block":
        time.sleep(s)
    body = f"slept {s}\n".encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
