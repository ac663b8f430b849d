"""landinfo serve [--host H] [--port P] [--auth-file FILE] [--public-host NAME,...] [--forwarded-allow-ips IP,...]"""
from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ._files import read_text


def register(p) -> None:
    p.add_argument("--host", help="address to bind (default: $LANDINFO_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: $LANDINFO_PORT or 7860)")
    p.add_argument("--auth-file", help="file of 'user:password' lines; users may also come from $LANDINFO_USERS")
    p.add_argument("--public-host", help="host names (comma-separated) the chat is reached by besides loopback and "
                                         "--host, e.g. a reverse proxy's (default: $LANDINFO_PUBLIC_HOSTS)")
    p.add_argument("--forwarded-allow-ips", help="proxies (comma-separated addresses) whose X-Forwarded-For is "
                                                 "believed (default: $LANDINFO_FORWARDED_ALLOW_IPS, none)")
    p.set_defaults(func=run)


def run(args, settings) -> int:
    if args.port is not None and not 1 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: not a port; give 1 to 65535")
    if args.host is not None and not args.host.strip():
        raise UsageError("--host: empty; give an address such as 127.0.0.1")
    if args.auth_file or settings.auth_file:  # a users file that cannot be read is found before gradio loads
        read_text(args.auth_file or str(settings.auth_file), "--auth-file" if args.auth_file else "LANDINFO_AUTH_FILE=")
    from ..ui import serve

    updates = {k: v for k, v in (("host", args.host), ("port", args.port),
                                 ("auth_file", Path(args.auth_file) if args.auth_file else None),
                                 ("public_hosts", args.public_host), ("forwarded_allow_ips", args.forwarded_allow_ips))
               if v}
    if not settings.embed_threads:  # each answer slot gets its share of the cores: two at once do not thrash
        updates["embed_threads"] = max(1, settings.embed_thread_count() // max(1, settings.concurrency))
    serve(settings.model_copy(update=updates) if updates else settings)
    return 0
