#!/usr/bin/env bash
# Script test: `--models-from MODULE:ATTRIBUTE` for `revision --autogenerate`
# and `check` (Debian's python3-sqlalchemy; PYTHON=/usr/bin/python3 unless
# set): a declarative Base with a native enum, a foreign key, an index, a
# unique constraint and server defaults, imported from the current directory.
#
# 1. revision --autogenerate --models-from app.models:Base writes a revision
#    creating all of it; upgrade; check --models-from: exit 0.
# 2. A column added to the model: check exits 1 and prints the ALTER.
# 3. MetaData itself (app.models:Base.metadata) works too.
# 4. A module that fails to import: exit 2 with its traceback's last line;
#    an attribute that is not models, a bad spec, --models with
#    --models-from: exit 2; no Python: exit 2.
set -euo pipefail

test_name=client_models_from
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"

export PYTHON=${PYTHON:-/usr/bin/python3}
need "'$PYTHON' -c 'import sqlalchemy'" python3-sqlalchemy

mkdir -p "$work/app" "$work/tmp"
export TMPDIR="$work/tmp"   # the rendered models go to a temporary file there, removed at exit
: >"$work/app/__init__.py"
cat >"$work/app/models.py" <<'EOF'
import enum

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Role(enum.Enum):
    admin = "admin"
    member = "member"


class User(Base):
    __tablename__ = "users"
    id = sa.Column(sa.Integer, primary_key=True)
    email = sa.Column(sa.String(255), nullable=False, unique=True)
    role = sa.Column(sa.Enum(Role, name="user_role"), nullable=False, server_default="member")
    is_active = sa.Column(sa.Boolean, nullable=False, server_default=sa.true())
    created_at = sa.Column(sa.DateTime, nullable=False, server_default=sa.text("CURRENT_TIMESTAMP"))


class Token(Base):
    __tablename__ = "tokens"
    jti = sa.Column(sa.String, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    revoked = sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    __table_args__ = (sa.Index("ix_tokens_user_revoked", "user_id", "revoked"),)
EOF

run 0 init
run 0 revision --autogenerate -m "initial models" --models-from app.models:Base
f="$work/$(cat "$work/out")"
grep -q "CREATE TYPE public.user_role AS ENUM ('admin', 'member')" "$f" || fail "no enum type: $(cat "$f")"
grep -q "CREATE TABLE public.tokens" "$f" || fail "no tokens table: $(cat "$f")"
grep -q "ix_tokens_user_revoked" "$f" || fail "no index: $(cat "$f")"
grep -q "ON DELETE CASCADE" "$f" || fail "no foreign key: $(cat "$f")"
run 0 upgrade
[ "$(value "SELECT column_default FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'role'")" = "'member'::user_role" ] ||
    fail "server default: $(value "SELECT column_default FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'role'")"
run 0 check --models-from app.models:Base
run 0 check --models-from app.models:Base.metadata
ok "revision --autogenerate --models-from: enum, tables, defaults, foreign key, index; check: up to date"

sed -i 's/^    revoked = /    note = sa.Column(sa.Text)\n    revoked = /' "$work/app/models.py"
run 1 check --models-from app.models:Base
out_has "ALTER TABLE public.tokens ADD COLUMN note text"
ok "a column added to the model: check --models-from exits 1 with the ALTER"

printf 'import sqlalchemy\nraise RuntimeError("models are broken")\n' >"$work/app/broken.py"
run 2 check --models-from app.broken:Base
err_has "could not import app.broken:Base: RuntimeError: models are broken"
run 2 check --models-from app.nope:Base
err_has "ModuleNotFoundError: No module named 'app.nope'"
run 2 check --models-from app.models:Role
err_has "is neither a SQLAlchemy MetaData nor has a .metadata"
run 2 check --models-from app.models
err_has "--models-from takes MODULE:ATTRIBUTE"
run 2 check --models x.sql --models-from app.models:Base
err_has "--models and --models-from exclude each other"
PYTHON=/nonexistent/python run 2 check --models-from app.models:Base
err_has 'could not run "/nonexistent/python"'
ok "bad --models-from (import error, missing module, not models, bad spec, with --models, no Python): exit 2 with the reason"
[ -z "$(ls -A "$TMPDIR")" ] || fail "temporary models files were left: $(ls -R "$TMPDIR")"
ok "no temporary models file is left behind"
