/*-------------------------------------------------------------------------
 *
 * diff.h
 *	  The in-memory model of one schema, as read by diff_read.c, and the
 *	  pieces shared by the schema diff files (diff*.c) and by the files that read a schema through it.
 *
 * A schema is read into one DiffSet per object kind.  Every definition is
 * already rewritten to qualify names with the "output" schema (the schema
 * the generated statements act on), so the definitions of two schemas can
 * be compared as plain strings.  Each set is sorted by key (strcmp), and
 * diff_match() pairs the items of two sets by key in one merge walk.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGREV_DIFF_H
#define PGREV_DIFF_H

#include "pg_revisions.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

/*
 * One object: a table, column, constraint, index, sequence, enum, view,
 * function or trigger.  Which fields are used depends on the kind; unused
 * ones are NULL, 0 or false.  A pointer field added here must be copied by
 * diff_copy_item (diff_read.c).
 */
typedef struct DiffItem DiffItem;

struct DiffItem
{
	char	   *key;			/* what matches it across schemas */
	char	   *name;			/* its name, unquoted */
	char	   *table;			/* the table (or view) it belongs to, unquoted */
	char	   *def;			/* normalised definition */
	char	   *extra;			/* functions: arguments and result; sequences:
								 * owning column (table in "table"); columns:
								 * collation (quoted) */
	char	   *comment;		/* NULL when none */
	char		sub;			/* contype, relkind, prokind, identity,
								 * tgenabled */
	/* columns */
	char	   *type;			/* format_type, qualified */
	Oid			typid;
	int32		typmod;
	bool		notnull;
	char		generated;		/* attgenerated */
	char	   *defexpr;		/* default or generation expression */
	char	   *seqname;		/* identity columns: their sequence (def: its
								 * options, seqalter: the same as SET clauses) */
	char	   *seqalter;
	int64		seqmin;			/* sequences and identity columns */
	int64		seqmax;
	char	   *options;		/* tables, views: reloptions, "k='v', ..." */
	char		storage;		/* columns: attstorage, and their type's */
	char		typstorage;
	char		compression;	/* columns: attcompression, or '\0' */
	Oid		   *conoids;		/* domains: their constraints */
	int			nconoids;
	bool		rls;			/* tables: row level security enabled, forced */
	bool		force_rls;
	bool		late_default;	/* default or generation expression calls a
								 * user function: set after the functions */
	int			attnum;
	/* functions */
	bool		atomic;			/* SQL-standard body: depends on what it reads */
	/*
	 * enums: labels in enumsortorder; views: relations it reads; functions:
	 * what uses them, a kind letter (v view, d default, c constraint, i
	 * index, t trigger) and the user's key
	 */
	int			nlabels;
	char	  **labels;
	/* set by the comparison */
	int			match;			/* index of the same key in the other set, or -1 */
	bool		rebuild;		/* dropped and created again (columns of
								 * "from": default dropped and set again) */
	bool		altered;		/* tables: a column dropped or its type changed */
	bool		visited;		/* views: topological sort marker; tables: a
								 * key constraint is rebuilt */
	bool		recreated;		/* tables, partitions: unmatched to be dropped
								 * and created again (a new partition key) */
	/* dependencies (diff_depend.c), within the schema */
	Oid			oid;			/* in its catalog; columns: their table's */
	Oid			defoid;			/* columns: pg_attrdef row, or InvalidOid;
								 * views: their _RETURN rule */
	char	   *body;			/* non-atomic LANGUAGE sql functions: prosrc */
	DiffItem   *parent;			/* the table (or materialized view) of a
								 * column, constraint, index or trigger */
	List	   *deps;			/* DiffItems it needs */
	List	   *ddeps;			/* columns: DiffItems their default needs */
	/* set by the comparison: the statements creating or dropping it */
	List	   *stmts;			/* DiffStmts */
	List	   *dstmts;			/* columns: those setting or dropping the
								 * default alone */
	/* owner and privileges (diff_privileges.c); NULL when not read */
	struct DiffPrivs *privs;
};

/* The objects of one kind, sorted by key. */
typedef struct DiffSet
{
	int			n;
	DiffItem   *items;
} DiffSet;

/* One schema, read by diff_read_schema(). */
typedef struct DiffSchema DiffSchema;
struct DiffSchema
{
	const char *out;			/* the schema name the definitions use */
	DiffSet		tables;			/* sub: relkind ('p': partitioned, def: its
								 * key); partitions are apart */
	DiffSet		columns;		/* key "table.column"; columns of one table are
								 * contiguous, sorted by name */
	DiffSet		constraints;	/* key "table.constraint" */
	DiffSet		indexes;		/* key: index name; sub: relkind of its table */
	DiffSet		sequences;
	DiffSet		enums;
	DiffSet		views;			/* sub: 'v' or 'm'; labels: relations read */
	DiffSet		functions;		/* key "name(identity arguments)" */
	DiffSet		triggers;		/* key "table.trigger" */
	DiffSet		policies;		/* key "table.policy"; def: from AS on */
	DiffSet		types;			/* domains (sub 'd') and composite types ('c') */
	DiffSet		extensions;		/* installed in the schema; def: version,
								 * extra: default version */
	DiffSet		partitions;		/* table: the parent; def: the bound; extra:
								 * the partition key of a partitioned one */
};

/* The phases of a generated script, in the order they run. */
typedef enum DiffStage
{
	STAGE_CREATE_EXTENSION,		/* needs nothing of the schema */
	STAGE_DROP_TRIGGER,
	STAGE_DROP_VIEW,
	STAGE_DROP_ATOMIC_FUNCTION,
	STAGE_DROP_FKEY,
	STAGE_DROP_INDEX,
	STAGE_DROP_CONSTRAINT,
	STAGE_DISOWN_SEQUENCE,
	STAGE_DROP_GENERATED,		/* before the columns they read */
	STAGE_DROP_COLUMN,
	STAGE_DROP_TABLE,
	STAGE_DROP_FUNCTION,
	STAGE_DROP_SEQUENCE,
	STAGE_DROP_TYPE,
	STAGE_CREATE_TYPE,
	STAGE_CREATE_SEQUENCE,
	STAGE_CREATE_TABLE,
	STAGE_ALTER_COLUMN,
	STAGE_OWNER,				/* before a sequence is owned by a column */
	STAGE_OWN_SEQUENCE,
	STAGE_CREATE_FUNCTION,
	STAGE_SET_DEFAULT,
	STAGE_CREATE_CONSTRAINT,
	STAGE_CREATE_INDEX,
	STAGE_CREATE_FKEY,
	STAGE_CREATE_VIEW,
	STAGE_CREATE_VIEW_INDEX,
	STAGE_CREATE_TRIGGER,
	STAGE_REVOKE,				/* privileges, once the objects exist */
	STAGE_GRANT,
	STAGE_COMMENT,
	STAGE_CLEANUP,
	NUM_STAGES
} DiffStage;

/*
 * One generated statement.  Its stage orders it unless dependencies say
 * otherwise (diff_order.c): a statement creating an object waits for those
 * creating what it needs, one dropping an object for those dropping what
 * needs it.
 */
typedef struct DiffStmt
{
	char	   *text;
	int			stage;			/* DiffStage */
	int			seq;			/* emission order, within the stage */
	int			nwait;			/* statements still to come before it */
	bool		done;
	List	   *next;			/* DiffStmts waiting for it */
} DiffStmt;

/* The statements being generated. */
typedef struct DiffOutput
{
	const char *out;			/* quote_identifier of the output schema */
	List	   *stmts;			/* DiffStmts, in emission order */
	List	   *rebuilt_types;	/* qualified names of the enums rebuilt */
} DiffOutput;

/*
 * What the rest of the extension may use: read a schema (or none), diff two.
 * diff_read.c, diff.c; replay_schema is verify.c's history replayed into a
 * scratch schema and read.
 */
typedef struct DiffReadPlans DiffReadPlans;
extern DiffSchema *diff_read_schema(Oid nsp, const char *out);
extern DiffSchema *diff_empty_schema(const char *out);
extern DiffReadPlans *diff_read_prepare(void);
extern DiffSchema *diff_read_schema_owners(Oid nsp, const char *out, ArrayType *owners,
										   DiffReadPlans *plans, bool functions);
extern List *diff_statements(DiffSchema *from, DiffSchema *to);
extern Oid	diff_schema_argument(FunctionCallInfo fcinfo, int argno, const char *what);
extern DiffSchema *replay_schema(RevGraph *graph, RevList plan, const char *live_name,
								 const char *caller);

/* diff_qualify.c */
extern char *diff_requalify(const char *text, const char *from, const char *to);

/* diff_read.c */
extern void diff_copy_item(DiffItem *to, const DiffItem *from);
extern void diff_match(DiffSet *a, DiffSet *b);
extern int	diff_find(DiffSet *set, const char *key);

/* diff_indexdef.c */
extern char *diff_index_definition(Oid index, const char *name, Oid table,
								   const char *tablename, Oid nsp, Oid am, bool unique,
								   const int2vector *indkey, const oidvector *indclass,
								   const oidvector *indcollation, const int2vector *indoption);

/* diff_depend.c */
extern void diff_read_depends(DiffSchema *s);

/* diff_order.c */
extern void diff_for(DiffStmt *stmt, DiffItem *item);
extern void diff_for_default(DiffStmt *stmt, DiffItem *column);
extern void diff_after(List *before, DiffStmt *after);
extern List *diff_order(DiffSchema *from, DiffSchema *to, DiffOutput *o);

/* diff.c */
extern DiffStmt *diff_emit(DiffOutput *o, DiffStage stage, const char *loss,
					  const char *fmt,...) pg_attribute_printf(4, 5);
extern char *diff_aside_name(const char *name);
extern char *diff_qname(DiffOutput *o, const char *name);
extern bool diff_str_equal(const char *a, const char *b);
extern void diff_comment(DiffOutput *o, const char *object, const char *to,
						 const char *from, bool fresh);
extern int	diff_table_columns(DiffSet *columns, const char *table, int *end);
extern void diff_options(DiffOutput *o, DiffStage stage, const char *kind,
						 const char *qname, const char *from, const char *to);
extern void diff_clamp_sequence(DiffOutput *o, DiffStage stage, const char *qseq,
								int64 fmin, int64 fmax, int64 tmin, int64 tmax);

/* diff_tables.c: tables, columns, sequences, enums */
extern void diff_tables(DiffSchema *from, DiffSchema *to, DiffOutput *o);

/* diff_partitions.c */
extern void diff_partitions(DiffSchema *from, DiffSchema *to, DiffOutput *o);
extern void diff_mark_recreated(DiffSchema *from, DiffSchema *to);
extern DiffItem *diff_relation(DiffSchema *s, const char *name);
extern bool diff_relation_rebuilt(DiffSchema *s, DiffItem *rel);

/* diff_types.c: extensions, domains and composite types */
extern void diff_types(DiffSchema *from, DiffSchema *to, DiffOutput *o);
extern void diff_models_extension(DiffSchema *live, DiffSchema *models, const char *name,
								  const char *version);

/* diff_objects.c: constraints, indexes, views, functions, triggers, comments */
extern void diff_mark_functions(DiffSchema *from, DiffSchema *to);
extern void diff_objects(DiffSchema *from, DiffSchema *to, DiffOutput *o);

/*
 * diff_privileges.c: owners and privileges, with pg_revisions.diff_privileges
 * on (diff_read_privileges: the caller is connected to SPI with search_path
 * pg_catalog, and s's sets are sorted)
 */
extern void diff_read_privileges(DiffSchema *s, Oid nsp, const char *name);
extern void diff_privileges(DiffSchema *from, DiffSchema *to, DiffOutput *o);

#endif							/* PGREV_DIFF_H */
