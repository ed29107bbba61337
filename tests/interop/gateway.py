"""The MCP OAuth Gateway's Redis traffic, sent through the redis-py it uses.

Run once per redis-py version (run.sh uses 5.3.0, the host scripts' pin, and the
newest 8.x, which the unpinned auth image gets): `python gateway.py SERVER_BINARY`.
It starts SERVER_BINARY with `--requirepass secret` on a free port, connects the
way the gateway does (`redis.asyncio.from_url("redis://:secret@127.0.0.1:PORT/0",
encoding="utf-8", decode_responses=True)`: RESP3 via `HELLO 3 AUTH default secret`
with redis-py 8, AUTH over RESP2 with 5.x), plus a sync client and a bytes client
as the host scripts and tests do, and replays the commands listed in
shared/reference/gateway-redis-usage.md with the semantics the gateway relies on.

Prints `ok <name>` or `FAIL <name>: why` per check and exits 1 if any failed. The
server binary can be redis-server too, to check the checks themselves.

Must not: leave the server running (it is stopped by PID in a finally), or wait
without a bound (every check runs under CHECK_TIMEOUT_S).
"""

import asyncio
import json
import os
import sys
import time
import traceback
import warnings

import redis
import redis.asyncio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_proc import Server, stop_on_sigterm  # noqa: E402

# redis-py 8 deprecates setex(); the gateway calls it all the same.
warnings.filterwarnings("ignore", category=DeprecationWarning)

PASSWORD = "secret"
CHECK_TIMEOUT_S = 30
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOAUTH_HELLO = ("HELLO must be called with the client already authenticated, otherwise the "
                "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
                "select the RESP protocol version at the same time")
REDIS_PY_MAJOR = int(redis.__version__.split(".")[0])
# redis-py 8 made RESP3 the default; the gateway passes no `protocol`.
EXPECTED_RESP = 3 if REDIS_PY_MAJOR >= 8 else 2
TAG = f"redis-py-{redis.__version__}"

# A value shaped like the gateway's: json.dumps output, ASCII, a few hundred bytes.
STATE_JSON = json.dumps({
    "client_id": "client_" + "A" * 22,
    "redirect_uri": "https://example.test/callback",
    "scope": "openid profile",
    "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    "code_challenge_method": "S256",
    "created_at": 1751328000,
})


class CheckFailed(AssertionError):
    pass


def expect(cond, why):
    if not cond:
        raise CheckFailed(why)


def expect_eq(actual, expected, what):
    if actual != expected:
        raise CheckFailed(f"{what}: expected {expected!r}, got {actual!r}")


class Runner:
    def __init__(self, port):
        self.port = port
        self.url = f"redis://:{PASSWORD}@127.0.0.1:{port}/0"
        self.passed = 0
        self.failed = 0

    def report(self, name, error):
        if error is None:
            self.passed += 1
            print(f"ok {TAG}/{name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {TAG}/{name}: {error}", flush=True)

    async def run(self, name, check):
        """Runs one async check with a fresh gateway-style client, bounded in time."""
        client = redis.asyncio.from_url(self.url, encoding="utf-8", decode_responses=True)
        error = None
        try:
            await asyncio.wait_for(check(client), CHECK_TIMEOUT_S)
        except CheckFailed as e:
            error = str(e)
        except asyncio.TimeoutError:
            error = f"timed out after {CHECK_TIMEOUT_S} s"
        except Exception as e:  # noqa: BLE001 - any exception is this check's failure
            error = f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}"
        finally:
            try:
                await asyncio.wait_for(client.aclose(), 5)
            except Exception:  # noqa: BLE001 - closing must not mask the result
                pass
        self.report(name, error)

    def run_sync(self, name, check):
        """Runs one check with a sync client (the cleanup scripts' kind)."""
        client = redis.Redis.from_url(self.url, encoding="utf-8", decode_responses=True,
                                      socket_timeout=CHECK_TIMEOUT_S)
        error = None
        try:
            check(client)
        except CheckFailed as e:
            error = str(e)
        except Exception as e:  # noqa: BLE001
            error = f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}"
        finally:
            client.close()
        self.report(name, error)


# --- the checks ------------------------------------------------------------------------
# Each uses its own keys, so that one failure does not cascade into the others.


async def check_handshake(r):
    expect_eq(await r.ping(), True, "PING (the auth service's startup check)")
    info = await r.client_info()
    expect_eq(str(info.get("resp")), str(EXPECTED_RESP),
              f"CLIENT INFO resp= (redis-py {redis.__version__} negotiates RESP{EXPECTED_RESP})")
    # Several connections at once, as under load: each runs the whole handshake,
    # whose async form pipelines the SETINFOs (and MAINT_NOTIFICATIONS on 8.x).
    results = await asyncio.gather(*(r.ping() for _ in range(20)))
    expect(all(results), f"20 concurrent PINGs: {results}")
    expect(len(r.connection_pool._available_connections) > 1,
           "concurrent PINGs should have opened several pooled connections")


async def check_setex_get_ttl(r):
    key = "oauth:state:x"
    expect_eq(await r.setex(key, 300, STATE_JSON), True, "SETEX reply")
    expect_eq(await r.get(key), STATE_JSON, "GET after SETEX")
    expect_eq(await r.ttl(key), 300, "TTL right after SETEX 300")
    # SETEX on an existing key replaces value and TTL (PUT /register/{id}).
    await r.setex(key, 120, "{}")
    expect_eq(await r.get(key), "{}", "GET after second SETEX")
    expect_eq(await r.ttl(key), 120, "TTL after second SETEX 120")
    expect_eq(await r.get("oauth:state:missing"), None, "GET of a missing key")
    # The gateway's other lifetimes: codes (1 year), clients (90 days).
    await r.setex("oauth:code:year", 31536000, STATE_JSON)
    expect_eq(await r.ttl("oauth:code:year"), 31536000, "TTL after SETEX 31536000")
    await r.setex("oauth:client:lifetime", 7776000, STATE_JSON)
    expect_eq(await r.ttl("oauth:client:lifetime"), 7776000, "TTL after SETEX 7776000")


async def check_keys(r):
    for i in range(5):
        await r.setex(f"oauth:state:k{i}", 300, STATE_JSON)
    await r.set("oauth:statex:other", "1")
    await r.set("oauth:code:k0", "1")
    keys = await r.keys("oauth:state:k*")
    expect(isinstance(keys, list), f"KEYS reply should be a list, got {type(keys).__name__}")
    expect_eq(sorted(keys), [f"oauth:state:k{i}" for i in range(5)], "KEYS oauth:state:k*")
    # The /callback handler's exact call (other checks' states may be there too).
    states = await r.keys("oauth:state:*")
    expect(all(k.startswith("oauth:state:") for k in states),
           f"KEYS oauth:state:* returned non-matching keys: {states}")
    expect({f"oauth:state:k{i}" for i in range(5)} <= set(states),
           f"KEYS oauth:state:* missed keys: {sorted(states)}")
    expect_eq(len(states), len(set(states)), "KEYS oauth:state:* repeated a key")
    expect_eq(await r.keys("nomatch:*"), [], "KEYS with no match")


async def check_set_no_ttl(r):
    key = "oauth:client:c"
    expect_eq(await r.set(key, STATE_JSON), True, "SET reply")
    expect_eq(await r.ttl(key), -1, "TTL of a key without expiry")
    expect_eq(await r.get(key), STATE_JSON, "GET after SET")
    # A plain SET drops an existing TTL (restore relies on it).
    await r.setex(key, 500, STATE_JSON)
    await r.set(key, STATE_JSON)
    expect_eq(await r.ttl(key), -1, "TTL after SETEX then SET")
    expect_eq(await r.ttl("oauth:client:missing"), -2, "TTL of a missing key")


async def check_del(r):
    await r.set("oauth:code:one", "1")
    expect_eq(await r.delete("oauth:code:one"), 1, "DEL of one existing key")
    expect_eq(await r.delete("oauth:code:one"), 0, "DEL of the same key again")
    keys = [f"oauth:code:m{i}" for i in range(10)]
    for k in keys[:7]:
        await r.set(k, "1")
    expect_eq(await r.delete(*keys), 7, "DEL of 10 keys, 7 existing")
    expect_eq(await r.exists(*keys), 0, "EXISTS after DEL of many")


async def check_exists(r):
    await r.setex("oauth:refresh:r1", 2592000, STATE_JSON)
    expect_eq(await r.exists("oauth:refresh:r1"), 1, "EXISTS of an existing key")
    expect_eq(await r.exists("oauth:refresh:none"), 0, "EXISTS of a missing key")
    expect_eq(await r.exists("oauth:refresh:r1", "oauth:refresh:r1", "oauth:refresh:none"), 2,
              "EXISTS counts repeated keys")


async def check_sets(r):
    key = "oauth:user_tokens:u"
    expect_eq(await r.sadd(key, "jti1"), 1, "SADD of a new member")
    expect_eq(await r.sadd(key, "jti1"), 0, "SADD of an existing member")
    expect_eq(await r.sadd(key, "jti2", "jti3", "jti2"), 2, "SADD of many members")
    expect_eq(await r.smembers(key), {"jti1", "jti2", "jti3"}, "SMEMBERS")
    expect_eq(await r.srem(key, "jti2"), 1, "SREM of a member")
    expect_eq(await r.srem(key, "jti2"), 0, "SREM of a missing member")
    expect_eq(await r.smembers(key), {"jti1", "jti3"}, "SMEMBERS after SREM")
    await r.srem(key, "jti1")
    await r.srem(key, "jti3")
    expect_eq(await r.exists(key), 0, "a set whose last member is removed disappears")
    expect_eq(await r.smembers(key), set(), "SMEMBERS of a missing key")


async def check_scan_while_deleting(r):
    total = 1000
    leftovers = await r.keys("oauth:token:*")
    if leftovers:
        await r.delete(*leftovers)
    pipe = r.pipeline(transaction=False)
    for i in range(total):
        pipe.setex(f"oauth:token:t{i:04d}", 86400, STATE_JSON)
    for i in range(50):
        pipe.setex(f"oauth:refresh:t{i:04d}", 86400, STATE_JSON)
    await pipe.execute()
    stable = {f"oauth:token:t{i:04d}" for i in range(total) if i % 3}
    doomed = sorted(f"oauth:token:t{i:04d}" for i in range(total) if i % 3 == 0)
    seen = set()
    cursor = 0
    calls = 0
    while True:
        cursor, keys = await r.scan(cursor, match="oauth:token:*", count=100)
        calls += 1
        expect(isinstance(cursor, int), f"cursor should parse as int, got {cursor!r}")
        bad = [k for k in keys if not k.startswith("oauth:token:")]
        expect(not bad, f"SCAN MATCH oauth:token:* returned non-matching keys {bad[:5]}")
        seen.update(keys)
        # The DELETE /register/{id} loop deletes keys while it scans.
        if doomed:
            batch, doomed = doomed[:40], doomed[40:]
            await r.delete(*batch)
        if cursor == 0:
            break
        expect(calls < 2000, f"SCAN did not return cursor 0 after {calls} calls")
    missing = stable - seen
    expect(not missing, f"{len(missing)} keys present throughout were never returned by "
                        f"SCAN, e.g. {sorted(missing)[:5]}")
    # And a second full scan after the deletions sees exactly the survivors.
    survivors = set()
    async for key in r.scan_iter(match="oauth:token:*", count=100):
        survivors.add(key)
    expect_eq(len(survivors), len(stable), "keys seen by a full scan after the deletions")
    expect(survivors == stable, "the survivors are not the keys that were never deleted")


async def check_scan_iter(r):
    names = {f"oauth:state:s{i}" for i in range(30)}
    for k in names:
        await r.setex(k, 300, "1")
    await r.set("other:s", "1")
    got = [k async for k in r.scan_iter("oauth:state:s*")]  # SCAN without COUNT
    expect_eq(set(got), names, "async scan_iter('oauth:state:s*')")


async def check_types(r):
    await r.set("t:string", "v")
    await r.sadd("t:set", "m")
    await r.rpush("t:list", "a")
    await r.hset("t:hash", mapping={"f": "v"})
    for kind in ("string", "set", "list", "hash"):
        expect_eq(await r.type(f"t:{kind}"), kind, f"TYPE t:{kind}")
    expect_eq(await r.type("t:missing"), "none", "TYPE of a missing key")


async def check_lists_hashes(r):
    # restore_oauth_data.py: RPUSH k v..., HSET k mapping, EXPIRE when ttl > 0;
    # backup_oauth_data.py: LRANGE k 0 -1, HGETALL.
    expect_eq(await r.rpush("redis:session:a:messages", "m1", "m2", "m3"), 3, "RPUSH reply")
    expect_eq(await r.lrange("redis:session:a:messages", 0, -1), ["m1", "m2", "m3"],
              "LRANGE 0 -1")
    mapping = {"client_id": "client_x", "client_secret": "s", "n": "1"}
    expect_eq(await r.hset("oauth:client:h", mapping=mapping), 3, "HSET mapping reply")
    expect_eq(await r.hgetall("oauth:client:h"), mapping, "HGETALL")
    expect_eq(await r.hgetall("oauth:client:nohash"), {}, "HGETALL of a missing key")


async def check_expire(r):
    await r.set("oauth:code:e", "1")
    expect_eq(await r.expire("oauth:code:e", 100), True, "EXPIRE of an existing key")
    expect_eq(await r.ttl("oauth:code:e"), 100, "TTL after EXPIRE 100")
    expect_eq(await r.expire("oauth:code:none", 100), False, "EXPIRE of a missing key")


async def check_expired_key(r):
    await r.setex("oauth:state:gone", 1, STATE_JSON)
    await r.set("oauth:state:stays", "1")
    await asyncio.sleep(1.1)
    expect_eq(await r.get("oauth:state:gone"), None, "GET of an expired key")
    expect_eq(await r.exists("oauth:state:gone"), 0, "EXISTS of an expired key")
    expect_eq(await r.ttl("oauth:state:gone"), -2, "TTL of an expired key")
    # An expired key must not show up in KEYS or SCAN (it had no lookup since expiring).
    await r.setex("oauth:state:gone2", 1, STATE_JSON)
    await asyncio.sleep(1.1)
    keys = await r.keys("oauth:state:gone*")
    expect_eq(keys, [], "KEYS after expiry")
    scanned = [k async for k in r.scan_iter("oauth:state:gone*")]
    expect_eq(scanned, [], "SCAN after expiry")


async def check_wrongtype(r):
    await r.set("oauth:client:json", STATE_JSON)
    try:
        await r.hgetall("oauth:client:json")
    except redis.ResponseError as e:
        expect_eq(str(e), WRONGTYPE, "HGETALL on a string: error text")
        expect(not isinstance(e, redis.ConnectionError), "WRONGTYPE must not be a ConnectionError")
    else:
        raise CheckFailed("HGETALL on a string did not raise ResponseError")
    # The connection stays usable after an error reply.
    expect_eq(await r.get("oauth:client:json"), STATE_JSON, "GET after WRONGTYPE")


async def check_bad_auth(runner):
    """Wrong password → AuthenticationError (both clients); no password → NOAUTH."""
    wrong = f"redis://:wrong@127.0.0.1:{runner.port}/0"
    r = redis.asyncio.from_url(wrong, encoding="utf-8", decode_responses=True)
    try:
        await r.ping()
    except redis.AuthenticationError:
        pass
    else:
        raise CheckFailed("async PING with a wrong password did not raise")
    finally:
        await r.aclose()
    nopass = f"redis://127.0.0.1:{runner.port}/0"
    r = redis.asyncio.from_url(nopass, encoding="utf-8", decode_responses=True)
    try:
        await r.ping()
    except redis.AuthenticationError as e:
        # redis-py strips the NOAUTH prefix. RESP2 clients send PING and get
        # `-NOAUTH Authentication required.`; redis-py 8 sends a bare `HELLO 3` and
        # gets Redis 7.0's HELLO-specific text.
        expect_eq(str(e), NOAUTH_HELLO if EXPECTED_RESP == 3 else "Authentication required.",
                  "error text without a password")
    else:
        raise CheckFailed("async PING without a password did not raise")
    finally:
        await r.aclose()


def check_bad_auth_sync(port):
    wrong = f"redis://:wrong@127.0.0.1:{port}/0"
    # redis-py 8's sync client retries a failed HELLO with backoff (10 tries); the
    # gateway's scripts keep that default, but the test need not wait for it.
    kwargs = {}
    if REDIS_PY_MAJOR >= 8:
        from redis.backoff import NoBackoff
        from redis.retry import Retry
        kwargs["retry"] = Retry(NoBackoff(), 0)
    r = redis.Redis.from_url(wrong, decode_responses=True, socket_timeout=10, **kwargs)
    try:
        r.ping()
    except redis.AuthenticationError:
        pass
    else:
        raise CheckFailed("sync PING with a wrong password did not raise")
    finally:
        r.close()


async def check_pipeline(r):
    pipe = r.pipeline(transaction=False)
    for i in range(50):
        pipe.set(f"pipe:{i}", f"v{i}")
        pipe.get(f"pipe:{i}")
    results = await pipe.execute()
    expect_eq(len(results), 100, "pipeline reply count")
    for i in range(50):
        expect_eq(results[2 * i], True, f"pipelined SET #{i}")
        expect_eq(results[2 * i + 1], f"v{i}", f"pipelined GET #{i}")


async def check_idle_connection(r):
    expect_eq(await r.ping(), True, "PING before idling")
    first_id = await r.client_id()
    await asyncio.sleep(3)
    # Same pool, same (only) connection: the server must not have closed it.
    expect_eq(await r.get("idle:missing"), None, "GET after 3 s idle")
    expect_eq(await r.client_id(), first_id, "CLIENT ID after idling (the same connection)")


async def check_bytes_client(runner):
    r = redis.asyncio.from_url(runner.url)  # decode_responses=False, as some tests use
    try:
        raw = b"\x00\xff\xfe binary \r\n"
        await r.setex("oauth:token:bytes", 100, raw)
        expect_eq(await r.get("oauth:token:bytes"), raw, "GET on a bytes client")
        expect_eq(await r.keys("oauth:token:byte*"), [b"oauth:token:bytes"], "KEYS (bytes)")
        await r.sadd("oauth:user_tokens:bytes", b"j1")
        expect_eq(await r.smembers("oauth:user_tokens:bytes"), {b"j1"}, "SMEMBERS (bytes)")
        expect_eq(await r.type("oauth:token:bytes"), b"string", "TYPE (bytes)")
        got = [k async for k in r.scan_iter(match=b"oauth:token:byte*")]
        expect_eq(got, [b"oauth:token:bytes"], "scan_iter (bytes)")
    finally:
        await r.aclose()


def check_pubsub(r):
    # Pub/Sub through redis-py: RESP2 arrays with 5.x, RESP3 pushes with 8.x.
    p = r.pubsub()
    try:
        p.subscribe("news")
        msg = p.get_message(timeout=2)
        expect(msg is not None and msg["type"] == "subscribe" and msg["channel"] == "news",
               f"subscribe confirmation: {msg!r}")
        p.psubscribe("n*")
        msg = p.get_message(timeout=2)
        expect(msg is not None and msg["type"] == "psubscribe", f"psubscribe confirmation: {msg!r}")
        expect_eq(r.publish("news", "hello"), 2, "PUBLISH receivers (channel + pattern)")
        got = [p.get_message(timeout=2) for _ in range(2)]
        kinds = sorted(m["type"] for m in got if m)
        expect_eq(kinds, ["message", "pmessage"], "message kinds received")
        expect(all(m["data"] == "hello" for m in got if m), f"payloads: {got!r}")
        expect_eq(r.pubsub_numsub("news"), [("news", 1)], "PUBSUB NUMSUB")
        expect_eq(r.pubsub_numpat(), 1, "PUBSUB NUMPAT")
        p.unsubscribe()
        p.punsubscribe()
    finally:
        p.close()


def check_transactions(r):
    # redis-py's default pipeline() wraps its commands in MULTI/EXEC.
    r.delete("tx:a")
    pipe = r.pipeline()
    pipe.set("tx:a", 1).incr("tx:a").get("tx:a")
    expect_eq(pipe.execute(), [True, 2, "2"], "MULTI/EXEC pipeline")
    # Optimistic locking: WATCH, a change by another client, then WatchError.
    other = redis.Redis.from_url(r.connection_pool.connection_kwargs.get("url", "") or
                                 f"redis://:{PASSWORD}@127.0.0.1:{r.connection_pool.connection_kwargs['port']}/0",
                                 decode_responses=True)
    try:
        with r.pipeline() as pipe:
            pipe.watch("tx:a")
            other.set("tx:a", 100)
            pipe.multi()
            pipe.incr("tx:a")
            try:
                pipe.execute()
                raise CheckFailed("EXEC ran although a WATCHed key changed")
            except redis.WatchError:
                pass
        expect_eq(r.get("tx:a"), "100", "value after the aborted transaction")
    finally:
        other.close()


def check_sync_client(r):
    # cleanup_test_data.py / cleanup_specific_clients.py: the sync client.
    expect_eq(r.ping(), True, "sync PING")
    names = {f"oauth:client:sync{i}" for i in range(25)}
    for k in names:
        r.set(k, STATE_JSON)
    expect_eq(r.get("oauth:client:sync0"), STATE_JSON, "sync GET")
    expect_eq(set(r.scan_iter("oauth:client:sync*")), names, "sync scan_iter")
    expect_eq(r.delete(*names), 25, "sync DEL of 25 keys")
    expect_eq(r.ttl("oauth:client:sync0"), -2, "sync TTL of a deleted key")
    pipe = r.pipeline(transaction=False)
    for i in range(100):
        pipe.incr("sync:counter")
    expect_eq(pipe.execute()[-1], 100, "sync pipeline of 100 INCRs")


def check_scan_reply_shape(r):
    # The reply is [cursor as a bulk string, [keys]]: read it without redis-py's
    # SCAN callback, which would turn an integer cursor into an int just the same.
    r.set("oauth:token:shape", "1")
    conn = r.connection_pool.get_connection("SCAN")
    try:
        conn.send_command("SCAN", "0", "MATCH", "oauth:token:shape", "COUNT", "100")
        reply = conn.read_response()
    finally:
        r.connection_pool.release(conn)
    expect(isinstance(reply, list) and len(reply) == 2, f"SCAN reply shape: {reply!r}")
    expect(isinstance(reply[0], str), f"SCAN cursor must be a bulk string, got {reply[0]!r}")
    expect(isinstance(reply[1], list), f"SCAN keys must be an array, got {reply[1]!r}")


def check_large_traffic(r):
    # Replies far larger than one socket read, and requests split across reads.
    big = "x" * (1 << 20)
    expect_eq(r.set("big:value", big), True, "SET of 1 MiB")
    expect_eq(r.get("big:value"), big, "GET of 1 MiB")
    pipe = r.pipeline(transaction=False)
    for i in range(10000):
        pipe.setex(f"oauth:state:p{i}", 300, STATE_JSON)
    expect(all(pipe.execute()), "pipeline of 10,000 SETEX")
    pipe = r.pipeline(transaction=False)
    for i in range(10000):
        pipe.get(f"oauth:state:p{i}")
    results = pipe.execute()
    expect(results == [STATE_JSON] * 10000, "pipeline of 10,000 GETs returned wrong values")
    expect_eq(len(r.keys("oauth:state:p*")), 10000, "KEYS over 10,000 keys")


async def main_async(runner):
    await runner.run("handshake", check_handshake)
    await runner.run("setex-get-ttl", check_setex_get_ttl)
    await runner.run("keys", check_keys)
    await runner.run("set-no-ttl", check_set_no_ttl)
    await runner.run("del", check_del)
    await runner.run("exists", check_exists)
    await runner.run("sadd-srem-smembers", check_sets)
    await runner.run("scan-while-deleting", check_scan_while_deleting)
    await runner.run("scan-iter", check_scan_iter)
    await runner.run("type", check_types)
    await runner.run("rpush-lrange-hset-hgetall", check_lists_hashes)
    await runner.run("expire", check_expire)
    await runner.run("expired-key", check_expired_key)
    await runner.run("wrongtype", check_wrongtype)
    await runner.run("bad-auth", lambda _r: check_bad_auth(runner))
    await runner.run("pipeline-100", check_pipeline)
    await runner.run("idle-pooled-connection", check_idle_connection)
    await runner.run("bytes-client", lambda _r: check_bytes_client(runner))


def main():
    stop_on_sigterm()
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} SERVER_BINARY", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        server = Server(sys.argv[1], password=PASSWORD)
    except Exception as e:  # noqa: BLE001
        print(f"FAIL {TAG}/start-server: {e}", flush=True)
        return 1
    try:
        runner = Runner(server.port)
        asyncio.run(main_async(runner))
        runner.run_sync("sync-client", check_sync_client)
        runner.run_sync("pubsub", check_pubsub)
        runner.run_sync("transactions", check_transactions)
        runner.run_sync("scan-reply-shape", check_scan_reply_shape)
        runner.run_sync("large-values-long-pipelines", check_large_traffic)
        runner.run_sync("bad-auth-sync", lambda _r: check_bad_auth_sync(server.port))
        if not server.alive():
            runner.report("server-still-running",
                          f"server exited with {server.proc.returncode}:\n{server.log_tail()}")
        else:
            # `docker stop` sends SIGTERM; Redis exits 0 promptly (nothing to save here).
            server.proc.terminate()
            try:
                rc = server.proc.wait(timeout=5)
                runner.report("sigterm-exit", None if rc == 0 else
                              f"exit code {rc} after SIGTERM:\n{server.log_tail()}")
            except Exception:  # noqa: BLE001 - TimeoutExpired: stop() kills it
                runner.report("sigterm-exit", "still running 5 s after SIGTERM")
    finally:
        server.stop()
    print(f"# {TAG}: {runner.passed} passed, {runner.failed} failed "
          f"in {time.monotonic() - started:.1f} s", flush=True)
    return 1 if runner.failed else 0


if __name__ == "__main__":
    sys.exit(main())
