# pg_revisions — PGXS build.
#   make && sudo make install      build and install into the server found by PG_CONFIG
#   make installcheck              regress (sql/ -> expected/) + isolation (test/specs -> test/expected)
# scripts/test.sh runs all of it, plus the script tests, against a throwaway cluster.

EXTENSION = pg_revisions
MODULE_big = pg_revisions
OBJS = \
	src/pg_revisions.o \
	src/syntax.o \
	src/catalog.o \
	src/catalog_sql.o \
	src/graph.o \
	src/target.o \
	src/plan.o \
	src/lock.o \
	src/apply.o \
	src/immutable.o \
	src/register.o \
	src/migrate.o \
	src/inspect.o \
	src/diff.o \
	src/diff_read.o \
	src/diff_qualify.o \
	src/diff_tables.o \
	src/diff_objects.o \
	src/autogen.o

DATA = $(wildcard sql/pg_revisions--*.sql)

# Regress tests, in the order they run (all share one database).
REGRESS = install ids add targets upgrade transactional immutable hostile privileges scale \
	diff_tables diff_constraints diff_types diff_code diff_errors diff_autogen
REGRESS_OPTS = --load-extension=pg_revisions

# Isolation specs live in test/specs, their outputs in test/expected.
ISOLATION = concurrent_upgrade repeatable_read private_lock concurrent_add
ISOLATION_OPTS = --inputdir=test --outputdir=output_iso --load-extension=pg_revisions

PG_CPPFLAGS = -I$(srcdir)/src
# -Wextra, less unused-parameter: the server's own headers (ilist.h,
# bufpage.h) trip it in inline functions.  scripts/test.sh adds -Werror.
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter

EXTRA_CLEAN = output_iso

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

ifneq ($(shell test "$(MAJORVERSION)" -ge 15 2>/dev/null && echo ok),ok)
$(error pg_revisions requires PostgreSQL 15 or later; $(PG_CONFIG) reports $(MAJORVERSION))
endif

# PGXS does not track header dependencies: the schema diff files share a struct.
src/diff.o src/diff_read.o src/diff_qualify.o src/diff_tables.o src/diff_objects.o src/autogen.o: src/diff.h src/pg_revisions.h
