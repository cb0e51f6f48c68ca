/*
 * bin/main.c — entry point of the pg_revisions command-line client: parses
 * the options, prints --help and --version, and runs one command.
 *
 * Options before the command are global; after it, "-m" is the message of
 * `revision` and `merge`, and the migrations directory for every other command
 * (as before the command).  Exit codes: see usage().
 */
#include <stdlib.h>
#include <string.h>

#include "import.h"

/* Print --help, with the exit codes, to out. */
static void
usage(FILE *out)
{
	fprintf(out,
			"pg_revisions — Alembic-style migrations as SQL files, applied by the pg_revisions extension\n"
			"\n"
			"Usage: pg_revisions [OPTIONS] COMMAND [ARGS]\n"
			"\n"
			"Commands:\n"
			"  init                      create the migrations directory and CREATE EXTENSION IF NOT EXISTS\n"
			"  revision -m MSG [--head REV|base] [--branch-label L] [--depends-on REV[,REV]]\n"
			"           [--non-transactional]\n"
			"                            write a new file whose down_revision is the head of the files\n"
			"  revision --autogenerate -m MSG [--models FILE] [--schema NAME] [--head REV|base]\n"
			"           [--branch-label L] [--depends-on REV[,REV]] [--privileges]\n"
			"                            the same, its sections filled with what turns schema NAME\n"
			"                            (default public) into the models (default models.sql: DDL as\n"
			"                            for an empty database); the database must be at the heads;\n"
			"                            no difference: no file (alembic revision --autogenerate);\n"
			"                            --privileges: owners, GRANT and REVOKE compared too\n"
			"  upgrade [TARGET]          register the files and apply up to TARGET (default: heads)\n"
			"          [--lock-timeout DURATION [--lock-retries N]] [--each]\n"
			"                            wait at most DURATION (100ms, 2s) for each lock, retry a\n"
			"                            revision that timed out N times; --each: commit after\n"
			"                            each revision (CALL rev_upgrade_each)\n"
			"  lint [TARGET]             review what upgrade would run for statements that block or\n"
			"                            rewrite busy tables; exit 1 on an error finding (for CI)\n"
			"  rehearse [TARGET]         run what upgrade would run and roll it back: the locks each\n"
			"                            statement takes on existing tables, rewrites, durations\n"
			"  downgrade TARGET          register the files and revert down to TARGET (-1, REV, base, ...)\n"
			"  stamp TARGET [--verify]   set the applied state to TARGET without running SQL; with\n"
			"                            --verify only if schema public is what the history up to\n"
			"                            TARGET builds (else exit 3, the differences listed)\n"
			"  stamp --from alembic|flyway|dbmate|sqitch\n"
			"                            the same, TARGET read from that tool's version table\n"
			"  import alembic|flyway|dbmate|sqitch PATH\n"
			"                            write that tool's history as migration files (into -m DIR,\n"
			"                            which must hold none yet): ids, parents, dependencies kept\n"
			"      --placeholder NAME=VALUE, -placeholders.NAME=VALUE, --flyway-config FILE\n"
			"                            Flyway: values of ${NAME} (else flyway.conf, FLYWAY_*)\n"
			"  squash [TARGET] [-m MSG]  write a baseline file (\"-- replaces: TARGET\") that new databases\n"
			"                            run instead of TARGET (default head) and its ancestors\n"
			"  current                   the applied heads of the database\n"
			"  heads                     the heads of the revision graph\n"
			"  history                   every revision, newest first\n"
			"  merge -m MSG [REV...]     write a merge file (no REV: all heads of the files)\n"
			"  sql [TARGET]              the SQL script upgrade TARGET would run (default: heads)\n"
			"  revision --autogenerate ... --models-from MODULE:ATTRIBUTE, check --models-from ...\n"
			"                            the models from a SQLAlchemy MetaData or declarative Base\n"
			"                            (imported by $PYTHON, else python3; e.g. app.models:Base)\n"
			"  check [--models FILE [--schema NAME] [--privileges]]\n"
			"                            exit 1 when revisions are pending (for CI); with --models,\n"
			"                            also when the schema differs from the models, printing the\n"
			"                            statements autogenerate would write (alembic check); also\n"
			"                            exit 1 when DDL was run outside pg_revisions since the last\n"
			"                            applied revision (what and by whom on stderr)\n"
			"  drift [--since TIME]      DDL run outside pg_revisions, oldest first (the drift ledger)\n"
			"  verify                    registered SQL vs its checksum, and files vs what is registered\n"
			"  test [TARGET]             in a scratch database (created from template0, then dropped):\n"
			"                            apply, downgrade, apply again each revision up to TARGET,\n"
			"                            comparing the schema; exit 1 when a test failed\n"
			"  fleet-recover --fleet FILE | -d CONNINFO  [--log-dir DIR]\n"
			"                            finish what a crashed --atomic run left prepared, as its\n"
			"                            logged decision says (none logged: roll back)\n"
			"\n"
			"Many tenants or databases (upgrade, downgrade, stamp, current, history, heads, check,\n"
			"sql, lint, rehearse, verify; init with --fleet):\n"
			"      --tenant NAME         run on the tenant schema NAME (SET pg_revisions.tenant)\n"
			"      --tenants PATTERN     run on every existing schema matching the LIKE PATTERN\n"
			"      --fleet FILE          run on every database of FILE (one connection string a\n"
			"                            line, '#' comments); with --tenant NAME, that tenant of each\n"
			"  -j, --jobs N              N targets at a time (1 to 64, default 1)\n"
			"      --atomic              all or nothing (upgrade, downgrade, stamp): PREPARE\n"
			"                            TRANSACTION on every target, then COMMIT PREPARED on all,\n"
			"                            or ROLLBACK PREPARED on all\n"
			"      --log-dir DIR         where --atomic logs its decision (default: the fleet\n"
			"                            file's directory, else the current one)\n"
			"                            A table (target or tenant, before, after, status, error);\n"
			"                            exit 0 only when every target succeeded\n"
			"\n"
			"Options:\n"
			"  -d, --dbname CONNINFO     connection string or postgresql:// URL\n"
			"                            (default: $DATABASE_URL, else PGHOST, PGPORT, PGDATABASE, ...)\n"
			"  -m, --migrations-dir DIR  the migration files (default: migrations); after revision,\n"
			"                            merge and squash, -m is the message: use --migrations-dir there\n"
			"      --format text|json    results as aligned tables (default) or JSON\n"
			"  -h, --help                this help\n"
			"  -V, --version             the client's version\n"
			"\n"
			"Targets: head, heads, base, REV (or a unique prefix), +N, -N, REV+N, REV-N, LABEL@head, LABEL@base.\n"
			"Progress (the server's NOTICEs) goes to stderr, results to stdout.\n"
			"\n"
			"Exit codes:\n"
			"  0  success\n"
			"  1  revisions pending (check, revision --autogenerate), the schema differs from the\n"
			"     models (check --models), DDL run outside pg_revisions since the last applied\n"
			"     revision (check), problems found (verify), or an error finding (lint)\n"
			"  2  usage: bad arguments, bad migration files, an ambiguous head, a missing models file\n"
			"  3  database error: connection failure, SQL error (a failing models file too), an\n"
			"     edited registered file\n");
}

/* Print a usage error and return EXIT_USAGE. */
static int
bad_usage(const char *what, const char *arg)
{
	errmsgf("%s%s%s%s", what, arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "");
	fprintf(stderr, "Try \"pg_revisions --help\".\n");
	return EXIT_USAGE;
}

/*
 * If argv[*i] is option name (short or long, "--long=value" too), store its
 * value in *value, advance *i past it and return 1; return -1 when the value
 * is missing, 0 when it is another option.
 */
static int
take(int argc, char **argv, int *i, const char *shortname, const char *longname, const char **value)
{
	const char *a = argv[*i];
	size_t		ll = longname ? strlen(longname) : 0;

	if ((shortname && strcmp(a, shortname) == 0) || (longname && strcmp(a, longname) == 0))
	{
		if (*i + 1 >= argc)
			return -1;
		*value = argv[*i + 1];
		*i += 2;
		return 1;
	}
	if (longname && strncmp(a, longname, ll) == 0 && a[ll] == '=')
	{
		*value = a + ll + 1;
		*i += 1;
		return 1;
	}
	return 0;
}

/*
 * Parse the options (global ones before or after the command, the command's
 * own after it), check the number of arguments and run the command; its
 * return value is the exit code.
 */
int
main(int argc, char **argv)
{
	Options		opts = {NULL, "migrations", false};
	const char *command = NULL, *message = NULL, *head = NULL, *label = NULL, *depends = NULL;
	const char *format = "text", *value, *models = NULL, *schema = NULL, *stamp_from = NULL;
	const char *models_spec = NULL;
	bool		nontx = false, autogen = false, each = false, verify = false, privileges = false;
	const char *lock_timeout = NULL, *lock_retries = NULL;
	const char *since = NULL;
	FleetOptions fleet = {NULL, NULL, NULL, NULL, NULL, false};
	char	  **pos = xmalloc(sizeof(char *) * (argc + 1));
	int			npos = 0, i = 1, r;

	while (i < argc)
	{
		const char *a = argv[i];
		bool		msg_cmd = command && (strcmp(command, "revision") == 0 || strcmp(command, "merge") == 0 ||
										  strcmp(command, "squash") == 0);

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
		{
			usage(stdout);
			return EXIT_OK;
		}
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0)
		{
			printf("pg_revisions %s (libpq %d)\n", PGREV_VERSION, PQlibVersion());
			return EXIT_OK;
		}
		if ((r = take(argc, argv, &i, "-d", "--dbname", &value)) != 0)
		{
			if (r < 0)
				return bad_usage("missing value after", a);
			opts.conninfo = value;
			continue;
		}
		if ((r = take(argc, argv, &i, msg_cmd ? NULL : "-m", "--migrations-dir", &value)) != 0)
		{
			if (r < 0)
				return bad_usage("missing value after", a);
			opts.dir = value;
			continue;
		}
		if ((r = take(argc, argv, &i, NULL, "--format", &value)) != 0)
		{
			if (r < 0)
				return bad_usage("missing value after", a);
			format = value;
			continue;
		}
		if ((r = take(argc, argv, &i, NULL, "--tenant", &value)) != 0 ||
			(r = take(argc, argv, &i, NULL, "--tenants", &value)) != 0 ||
			(r = take(argc, argv, &i, NULL, "--fleet", &value)) != 0 ||
			(r = take(argc, argv, &i, "-j", "--jobs", &value)) != 0 ||
			(r = take(argc, argv, &i, NULL, "--log-dir", &value)) != 0)
		{
			if (r < 0)
				return bad_usage("missing value after", a);
			if (strncmp(a, "--tenants", 9) == 0)
				fleet.tenants = value;
			else if (strncmp(a, "--tenant", 8) == 0)
				fleet.tenant = value;
			else if (strncmp(a, "--fleet", 7) == 0)
				fleet.fleet = value;
			else if (strncmp(a, "--log-dir", 9) == 0)
				fleet.log_dir = value;
			else
				fleet.jobs = value;
			continue;
		}
		if (strcmp(a, "--atomic") == 0)
		{
			fleet.atomic = true;
			i++;
			continue;
		}
		if (msg_cmd && (r = take(argc, argv, &i, "-m", "--message", &value)) != 0)
		{
			if (r < 0)
				return bad_usage("missing value after", a);
			message = value;
			continue;
		}
		if (command && (strcmp(command, "revision") == 0 || strcmp(command, "check") == 0) &&
			(r = take(argc, argv, &i, NULL, "--models-from", &value)) != 0)
		{
			if (r < 0)
				return bad_usage("missing value after", a);
			models_spec = value;
			continue;
		}
		if (command && (strcmp(command, "revision") == 0 || strcmp(command, "check") == 0))
		{
			if (strcmp(a, "--privileges") == 0)
			{
				privileges = true;
				i++;
				continue;
			}
			if ((r = take(argc, argv, &i, NULL, "--models", &value)) != 0 ||
				(r = take(argc, argv, &i, NULL, "--schema", &value)) != 0)
			{
				if (r < 0)
					return bad_usage("missing value after", a);
				if (strncmp(a, "--models", 8) == 0)
					models = value;
				else
					schema = value;
				continue;
			}
		}
		if (command && strcmp(command, "stamp") == 0 &&
			(r = take(argc, argv, &i, NULL, "--from", &value)) != 0)
		{
			if (r < 0)
				return bad_usage("missing value after", a);
			stamp_from = value;
			continue;
		}
		if (command && strcmp(command, "revision") == 0)
		{
			if (strcmp(a, "--autogenerate") == 0)
			{
				autogen = true;
				i++;
				continue;
			}
			if ((r = take(argc, argv, &i, NULL, "--head", &value)) != 0 ||
				(r = take(argc, argv, &i, NULL, "--branch-label", &value)) != 0 ||
				(r = take(argc, argv, &i, NULL, "--depends-on", &value)) != 0)
			{
				if (r < 0)
					return bad_usage("missing value after", a);
				if (strncmp(a, "--head", 6) == 0)
					head = value;
				else if (strncmp(a, "--branch-label", 14) == 0)
					label = value;
				else if (depends == NULL)
					depends = value;
				else
				{
					char	   *both = xmalloc(strlen(depends) + strlen(value) + 2);

					sprintf(both, "%s,%s", depends, value);
					depends = both;
				}
				continue;
			}
			if (strcmp(a, "--non-transactional") == 0)
			{
				nontx = true;
				i++;
				continue;
			}
		}
		if (command && strcmp(command, "upgrade") == 0)
		{
			if ((r = take(argc, argv, &i, NULL, "--lock-timeout", &value)) != 0 ||
				(r = take(argc, argv, &i, NULL, "--lock-retries", &value)) != 0)
			{
				if (r < 0)
					return bad_usage("missing value after", a);
				if (strncmp(a, "--lock-timeout", 14) == 0)
					lock_timeout = value;
				else
					lock_retries = value;
				continue;
			}
			if (strcmp(a, "--each") == 0)
			{
				each = true;
				i++;
				continue;
			}
		}
		if (command && strcmp(command, "stamp") == 0 && strcmp(a, "--verify") == 0)
		{
			verify = true;
			i++;
			continue;
		}
		if (command && strcmp(command, "drift") == 0 &&
			(r = take(argc, argv, &i, NULL, "--since", &value)) != 0)
		{
			if (r < 0)
				return bad_usage("missing value after", a);
			since = value;
			continue;
		}
		if (command && strcmp(command, "import") == 0)
		{
			/* Flyway's placeholders and settings (import_flyway_placeholders.c) */
			if ((r = take(argc, argv, &i, NULL, "--placeholder", &value)) != 0)
			{
				if (r < 0 || !import_placeholder_option(value))
					return bad_usage("--placeholder needs NAME=VALUE, not", r < 0 ? "" : value);
				continue;
			}
			if ((r = take(argc, argv, &i, NULL, "--flyway-config", &value)) != 0)
			{
				char	   *opt = xmalloc(strlen(value) + 16);

				if (r < 0)
					return bad_usage("missing value after", a);
				sprintf(opt, "configFiles=%s", value);
				import_flyway_option(opt);
				continue;
			}
			if (a[0] == '-' && a[1] != '-' && import_flyway_option(a + 1))
			{
				i++;
				continue;
			}
		}
		/* "-1" and "-2" are downgrade targets, not options */
		if (a[0] == '-' && a[1] != '\0' && !(command && a[1] >= '0' && a[1] <= '9'))
			return bad_usage(command ? "unknown option for this command:" : "unknown option", a);
		if (command == NULL)
			command = a;
		else
			pos[npos++] = argv[i];
		i++;
	}

	if (strcmp(format, "json") == 0)
		opts.json = true;
	else if (strcmp(format, "text") != 0)
		return bad_usage("--format must be text or json, not", format);
	if (command == NULL)
	{
		usage(stderr);
		return EXIT_USAGE;
	}

	if (models_spec)
	{
		char	   *rendered;

		if (models)
			return bad_usage("--models and --models-from exclude each other:", models_spec);
		if ((r = models_from(models_spec, &rendered)) != EXIT_OK)
			return r;
		models = rendered;
	}
	if (strcmp(command, "fleet-recover") == 0)
	{
		if (npos > 0)
			return bad_usage("too many arguments for", command);
		if (fleet.tenant || fleet.tenants || fleet.atomic || fleet.jobs || (fleet.fleet && opts.conninfo))
			return bad_usage("fleet-recover takes --fleet FILE or -d CONNINFO, and --log-dir DIR:", "fleet-recover");
		return cmd_fleet_recover(&opts, &fleet);
	}
	if (fleet.atomic && each)
		return bad_usage("--each commits after each revision: it cannot go with", "--atomic");
	/* --tenant, --tenants, --fleet: the parent runs every target; a child goes on below */
	if (fleet_main(&opts, &fleet, command, npos ? pos[0] : (strcmp(command, "stamp") == 0 ||
				   strcmp(command, "downgrade") == 0 ? NULL : "heads"), argc, argv, &r))
		return r;

#define ARGS(min, max) \
	do { if (npos < (min) || npos > (max)) \
		return bad_usage((min) == (max) && (min) == 1 ? "this command needs one argument (a target):" : \
						 npos < (min) ? "missing argument for" : "too many arguments for", command); } while (0)

	if (strcmp(command, "init") == 0)
	{
		ARGS(0, 0);
		return cmd_init(&opts);
	}
	if (strcmp(command, "revision") == 0)
	{
		ARGS(0, 0);
		if (message == NULL)
			return bad_usage("revision needs a message: pg_revisions revision -m", "MSG");
		if (!autogen && (models || schema))
			return bad_usage("--models and --schema go with", "--autogenerate");
		if (!autogen && privileges)
			return bad_usage("--privileges goes with", "--autogenerate");
		if (autogen && nontx)
			return bad_usage("--autogenerate writes a transactional revision; drop", "--non-transactional");
		if (privileges)
			autogen_privileges();
		if (autogen)
			return cmd_autogenerate(&opts, message, models ? models : "models.sql",
									schema ? schema : "public", head, label, depends);
		return cmd_revision(&opts, message, head, label, depends, nontx);
	}
	if (strcmp(command, "merge") == 0)
	{
		if (message == NULL)
			return bad_usage("merge needs a message: pg_revisions merge -m", "MSG");
		return cmd_merge(&opts, message, pos, npos);
	}
	if (strcmp(command, "upgrade") == 0)
	{
		ARGS(0, 1);
		if ((r = deploy_lock_settings(lock_timeout, lock_retries)) != EXIT_OK)
			return r;
		if (each)
			return cmd_upgrade_each(&opts, npos ? pos[0] : "heads");
		return cmd_upgrade(&opts, npos ? pos[0] : "heads");
	}
	if (strcmp(command, "lint") == 0)
	{
		ARGS(0, 1);
		return cmd_lint(&opts, npos ? pos[0] : "heads");
	}
	if (strcmp(command, "rehearse") == 0)
	{
		ARGS(0, 1);
		return cmd_rehearse(&opts, npos ? pos[0] : "heads");
	}
	if (strcmp(command, "downgrade") == 0)
	{
		ARGS(1, 1);
		return cmd_downgrade(&opts, pos[0]);
	}
	if (strcmp(command, "stamp") == 0 && stamp_from)
	{
		ARGS(0, 0);
		if (verify)
			return bad_usage("--verify does not go with", "--from");
		return cmd_stamp_from(&opts, stamp_from);
	}
	if (strcmp(command, "stamp") == 0)
	{
		ARGS(1, 1);
		return cmd_stamp(&opts, pos[0], verify);
	}
	if (strcmp(command, "sql") == 0)
	{
		ARGS(0, 1);
		return cmd_sql(&opts, npos ? pos[0] : "heads");
	}
	if (strcmp(command, "current") == 0)
	{
		ARGS(0, 0);
		return cmd_current(&opts);
	}
	if (strcmp(command, "heads") == 0)
	{
		ARGS(0, 0);
		return cmd_heads(&opts);
	}
	if (strcmp(command, "history") == 0)
	{
		ARGS(0, 0);
		return cmd_history(&opts);
	}
	if (strcmp(command, "check") == 0)
	{
		ARGS(0, 0);
		if (schema && !models)
			return bad_usage("--schema goes with", "--models FILE");
		if (privileges && !models)
			return bad_usage("--privileges goes with", "--models FILE");
		if (privileges)
			autogen_privileges();
		return cmd_check(&opts, models, schema ? schema : "public");
	}
	if (strcmp(command, "drift") == 0)
	{
		ARGS(0, 0);
		return cmd_drift(&opts, since);
	}
	if (strcmp(command, "verify") == 0)
	{
		ARGS(0, 0);
		return cmd_verify(&opts);
	}
	if (strcmp(command, "test") == 0)
	{
		ARGS(0, 1);
		return cmd_test(&opts, npos ? pos[0] : "heads");
	}
	if (strcmp(command, "squash") == 0)
	{
		ARGS(0, 1);
		return cmd_squash(&opts, npos ? pos[0] : "head", message);
	}
	if (strcmp(command, "import") == 0)
	{
		if (npos != 2)
			return bad_usage("import needs a tool and a path: pg_revisions import "
							 "alembic|flyway|dbmate|sqitch", "PATH");
		return cmd_import(&opts, pos[0], pos[1]);
	}
	return bad_usage("unknown command", command);
}
