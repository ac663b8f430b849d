"""One module a command: `register(parser)` adds its flags, `run(args, settings)` runs it. cli.py imports only the
module of the command being run."""
