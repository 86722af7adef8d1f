"""Database set-up shared by the benchmarks: the database named in DATABASE_URL is the
benchmark's own (it may be dropped and re-created), never CI's or a test database."""

from __future__ import annotations

import os
import sys

PROTECTED_DATABASES = {"fanzdash_ci", "fd_dev", "postgres", "template0", "template1"}


def database_config() -> dict:
    import environ

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://... (a database this script may drop).")
    config = environ.Env.db_url_config(url)
    name = config["NAME"]
    if name in PROTECTED_DATABASES or name.startswith("test"):
        sys.exit(f"Refusing to use {name!r}: name a database of your own, e.g. fanzdash_bench.")
    return config


def conninfo(config: dict, dbname: str | None = None) -> str:
    from psycopg.conninfo import make_conninfo

    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "dbname": dbname or config["NAME"],
    }
    return make_conninfo(**{k: str(v) for k, v in params.items() if v})


def database_recreate(config: dict) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(conninfo(config, "postgres"), autocommit=True) as conn:
        name = sql.Identifier(config["NAME"])
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
