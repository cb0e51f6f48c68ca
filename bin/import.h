/*
 * bin/import.h — declarations shared by the files of the client that adopt
 * another tool's history (contract 1.2, "Long histories and adoption"):
 *
 *   import.c        `import KIND PATH`: the revisions read from another tool,
 *                   validated, written as migration files (all or nothing)
 *   import_sql.c    the reader of dbmate projects
 *   import_sqitch.c the reader of Sqitch projects (reworked changes too)
 *   import_flyway.c the reader of Flyway locations
 *   import_flyway_placeholders.c  Flyway's ${placeholders} in its scripts
 *   import_alembic.c  the reader of Alembic projects (runs import_alembic.py)
 *   python.c        running the embedded Python helpers ($PYTHON, else python3)
 *   models_from.c   --models-from MODULE:ATTRIBUTE: SQLAlchemy models as DDL
 *   stamp_from.c    `stamp --from KIND`: the applied state read from that
 *                   tool's version table in the database
 *
 * Revision ids of other tools are mapped to pg_revisions ids
 * ([A-Za-z0-9_]{1,63}) by import_id(), which import and stamp --from share so
 * that the ids they compute always agree.
 */
#ifndef PGREV_IMPORT_H
#define PGREV_IMPORT_H

#include "pg_revisions.h"

/* The tools whose histories can be imported. */
typedef enum ImportKind
{
	IMPORT_ALEMBIC,
	IMPORT_FLYWAY,
	IMPORT_DBMATE,
	IMPORT_SQITCH
} ImportKind;

/* One revision read from another tool's project. */
typedef struct ImpRev
{
	char	   *id;				/* pg_revisions id (import_id) */
	char	   *src;			/* the file (and line) it comes from, for messages */
	int			line;
	char	  **down;			/* parents */
	int			ndown;
	char	  **deps;			/* depends_on */
	int			ndeps;
	char	   *message;
	char	   *branch_label;
	bool		transactional;
	char	   *upgrade;		/* never NULL */
	char	   *downgrade;		/* NULL or empty: irreversible */
	char	   *adopted;		/* not NULL: could not be rendered, why */
} ImpRev;

/* The revisions of one project, in the tool's order. */
typedef struct ImpSet
{
	ImpRev	   *revs;
	int			n, cap;
} ImpSet;

/* import.c */
extern bool import_kind(const char *name, ImportKind *kind);
extern char *import_id(ImportKind kind, const char *name);
extern ImpRev *imp_add(ImpSet *set, const char *id, const char *src, int line);
extern void imp_list_add(char ***items, int *n, const char *id);
extern void imp_error(const char *src, int line, const char *fmt,...) __attribute__((format(printf, 3, 4)));
extern char *imp_read(const char *path, const char *what);
extern char *imp_path(const char *dir, const char *name);
extern int	cmd_import(const Options *opts, const char *kind, const char *path);

/* import_sql.c */
extern char *imp_description(const char *s, size_t len);
extern int	import_dbmate(const char *path, ImpSet *set);

/* import_sqitch.c */
extern int	import_sqitch(const char *path, ImpSet *set);
extern MigFile *sqitch_instance(const MigSet *set, const char *name, int n);

/* import_flyway.c */
extern int	import_flyway(const char *path, ImpSet *set);
extern int	flyway_version_cmp(const char *a, const char *b);
extern char *flyway_repeatable_id(const char *file_name);

/* import_flyway_placeholders.c */
typedef struct FlyPlaceholders FlyPlaceholders;
extern bool import_flyway_option(const char *arg);
extern bool import_placeholder_option(const char *name_value);
extern FlyPlaceholders *flyway_placeholders(const char *location);
extern char *flyway_replace(const FlyPlaceholders *ph, const char *path, const char *file_name,
							const char *text);

/* import_alembic.c */
extern int	import_alembic(const char *path, ImpSet *set);

/* python.c */
extern const char *python_name(void);
extern char *python_run(const char *script, const char *arg, size_t *len, int *status);

/* models_from.c */
extern int	models_from(const char *spec, char **path);

/* stamp_from.c */
extern int	cmd_stamp_from(const Options *opts, const char *kind);

#endif							/* PGREV_IMPORT_H */
