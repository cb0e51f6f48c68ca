# pg_revisions — PGXS build.
#   make && sudo make install      build and install into the server found by PG_CONFIG
#   make installcheck              regress (sql/ -> expected/) + isolation (test/specs -> test/expected)
# scripts/test.sh runs all of it, plus the script tests, against a throwaway cluster.
# The command-line client in bin/ is built, installed (into `pg_config --bindir`,
# linked from /usr/local/bin on Debian: see install-client)
# and cleaned with it, as pg_repack does with its bin/.

EXTENSION = pg_revisions
MODULE_big = pg_revisions
OBJS = \
	src/pg_revisions.o \
	src/syntax.o \
	src/catalog.o \
	src/catalog_sql.o \
	src/graph.o \
	src/graph_cache.o \
	src/sql_batch.o \
	src/target.o \
	src/plan.o \
	src/lock.o \
	src/tenants.o \
	src/squash.o \
	src/statements.o \
	src/apply.o \
	src/constraints.o \
	src/immutable.o \
	src/register.o \
	src/migrate.o \
	src/plan_sql.o \
	src/inspect.o \
	src/results.o \
	src/outside.o \
	src/diff.o \
	src/diff_read.o \
	src/diff_indexdef.o \
	src/diff_qualify.o \
	src/diff_tables.o \
	src/diff_objects.o \
	src/diff_depend.o \
	src/diff_order.o \
	src/diff_types.o \
	src/diff_partitions.o \
	src/diff_privileges.o \
	src/diff_autogen.o \
	src/scratch.o \
	src/models.o \
	src/lint.o \
	src/lint_rules.o \
	src/retry.o \
	src/each.o \
	src/rehearse.o \
	src/revtest.o \
	src/revtest_model.o \
	src/revtest_footprint.o \
	src/drift.o \
	src/verify.o

DATA = $(wildcard sql/pg_revisions--*.sql)

# Regress tests, in the order they run (all share one database).
REGRESS = install ids add targets upgrade transactional statements tenants squash outside update immutable hostile privileges scale \
	diff_tables diff_constraints diff_types diff_code diff_errors diff_autogen plan graph_cache diff_depends diff_options diff_kinds \
	lint lock_retries upgrade_each rehearse revtest drift verify contract diff_indexdef diff_privileges \
	diff_partitions2 diff_kinds2
REGRESS_OPTS = --load-extension=pg_revisions

# Isolation specs live in test/specs, their outputs in test/expected.
ISOLATION = concurrent_upgrade repeatable_read private_lock concurrent_add outside_cic tenants graph_cache upgrade_each_concurrent upgrade_each_reload drift_sessions
ISOLATION_OPTS = --inputdir=test --outputdir=output_iso --load-extension=pg_revisions

# One version string, from the control file, for the library and the client
# (pg_repack's way): -DPGREV_VERSION here and in bin/Makefile.
PGREV_VERSION := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(dir $(lastword $(MAKEFILE_LIST)))pg_revisions.control)
PG_CPPFLAGS = -I$(srcdir)/src -DPGREV_VERSION='"$(PGREV_VERSION)"'
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

# The command-line client (bin/), like pg_repack's bin/.  Debian installs
# it in /usr/lib/postgresql/N/bin, which is not on PATH (Debian's psql is a
# link in /usr/bin made by postgresql-common): there `make install` also links
# $(LINKDIR)/pg_revisions to it, so that `pg_revisions ...` works as typed;
# `make install LINKDIR=` skips the link, and a file there that is not a
# link is left alone.  Other layouts (a bindir on PATH, a private build) get
# no link.
LINKDIR ?= /usr/local/bin
all: all-client
install: install-client
clean: clean-client
all-client:
	$(MAKE) -C bin PG_CONFIG="$(PG_CONFIG)"
install-client:
	$(MAKE) -C bin PG_CONFIG="$(PG_CONFIG)" install
	@case '$(bindir)' in /usr/lib/postgresql/*) \
	  if [ -n '$(LINKDIR)' ] && { [ -L '$(DESTDIR)$(LINKDIR)/pg_revisions' ] || [ ! -e '$(DESTDIR)$(LINKDIR)/pg_revisions' ]; }; then \
	    $(MKDIR_P) '$(DESTDIR)$(LINKDIR)' && \
	    ln -sfn '$(bindir)/pg_revisions' '$(DESTDIR)$(LINKDIR)/pg_revisions' && \
	    echo "pg_revisions: linked $(LINKDIR)/pg_revisions -> $(bindir)/pg_revisions (on PATH)"; \
	  fi ;; \
	esac
clean-client:
	$(MAKE) -C bin PG_CONFIG="$(PG_CONFIG)" clean
.PHONY: all-client install-client clean-client

# PGXS does not track header dependencies: rebuild what includes a changed header.
$(OBJS): src/pg_revisions.h src/syntax.h src/compat.h src/catalog_sql.h
src/diff.o src/diff_read.o src/diff_indexdef.o src/diff_qualify.o src/diff_tables.o src/diff_objects.o src/diff_depend.o src/diff_order.o src/diff_types.o src/diff_partitions.o src/diff_autogen.o src/verify.o src/squash.o: src/diff.h
src/diff_read.o: src/diff_read_partitions.h src/diff_read_queries.h
src/lint.o src/lint_rules.o: src/lint.h
src/revtest.o src/revtest_model.o src/revtest_footprint.o: src/diff.h src/revtest.h
