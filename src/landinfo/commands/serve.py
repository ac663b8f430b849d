"""landinfo serve [--host H] [--port P] [--auth-file FILE]"""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("serve", help="the chat and trainer in the browser (http://127.0.0.1:7860 by default)")
    p.add_argument("--host", help="address to bind (default: $LANDINFO_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: $LANDINFO_PORT or 7860)")
    p.add_argument("--auth-file", help="file of 'user:password' lines; users may also come from $LANDINFO_USERS")
    p.set_defaults(func=run)


def run(args, settings) -> int:
    from ..ui import serve

    from pathlib import Path

    updates = {k: v for k, v in (("host", args.host), ("port", args.port),
                                 ("auth_file", Path(args.auth_file) if args.auth_file else None)) if v}
    serve(settings.model_copy(update=updates) if updates else settings)
    return 0
