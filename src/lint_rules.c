/*-------------------------------------------------------------------------
 *
 * lint_rules.c
 *	  The hazards rev_lint looks for in one statement (a raw parse tree),
 *	  each with a stable kebab-case rule name.  lint.c walks the plan and
 *	  keeps what earlier statements did.
 *
 * Errors (an existing table with rows; lock as PostgreSQL's "Explicit
 * Locking" table and AlterTableGetLockLevel give it):
 *	  add-column-volatile-default, add-column-stored-generated,
 *	  add-column-serial, add-column-identity   rewrite, ACCESS EXCLUSIVE
 *	  alter-column-type    rewrite unless binary-coercible, ACCESS EXCLUSIVE
 *	  set-not-null         scan unless a valid CHECK (col IS NOT NULL)
 *	  add-check            scan, ACCESS EXCLUSIVE (without NOT VALID)
 *	  add-foreign-key      scan, SHARE ROW EXCLUSIVE on both tables
 *	  create-index         SHARE (without CONCURRENTLY)
 *	  add-unique, add-primary-key   index build, ACCESS EXCLUSIVE (without
 *	                       USING INDEX)
 *	  add-exclusion-constraint      index build, ACCESS EXCLUSIVE
 *	  drop-index           ACCESS EXCLUSIVE (without CONCURRENTLY)
 *	  reindex              SHARE on the table, ACCESS EXCLUSIVE on the index
 *	  vacuum-full, cluster, set-logged, set-unlogged, set-tablespace,
 *	  refresh-materialized-view     rewrite, ACCESS EXCLUSIVE
 * Warnings:
 *	  drop-table, drop-column, rename-table, rename-column,
 *	  visible-type-change, foreign-key-without-index,
 *	  not-valid-then-validate; lint.c adds lock-without-timeout and
 *	  statements-after-access-exclusive.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/primnodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "lint.h"

/* A constraint added NOT VALID earlier in the plan. */
typedef struct LintConstraint
{
	Oid			table;
	char	   *name;
	const char *revision;
} LintConstraint;

static void hazard(LintState *state, LintTable *table, LOCKMODE mode, const char *rule,
				   const char *what, const char *verb, const char *hint);
static bool default_is_volatile(Node *raw);
static bool is_serial(TypeName *type);
static bool type_change_rewrites(Oid old_type, int32 old_typmod, Oid new_type, int32 new_typmod);
static void lint_constraint(LintState *state, LintTable *table, LOCKMODE mode,
							Constraint *con, const char *column);
static void lint_add_column(LintState *state, LintTable *table, LOCKMODE mode, ColumnDef *col);
static void lint_alter_type(LintState *state, LintTable *table, LOCKMODE mode,
							const char *column, ColumnDef *col);
static void lint_alter_table(LintState *state, AlterTableStmt *alter);
static void lint_drop(LintState *state, DropStmt *drop);
static void lint_create_table(LintState *state, CreateStmt *create);
static void lint_rewrite_all(LintState *state, RangeVar *rv, const char *rule,
							 const char *what, const char *hint);

/*
 * hazard
 *		Report an error finding on table, when it has rows (an empty table
 *		is rewritten or scanned at once).
 */
static void
hazard(LintState *state, LintTable *table, LOCKMODE mode, const char *rule,
	   const char *what, const char *verb, const char *hint)
{
	const char *lock = lint_lock_name(mode);

	if (table->bytes == 0)
		return;
	lint_emit(state, "error", rule, table->name,
			  psprintf("%s %s table %s (%s) under a%s %s lock, which blocks %s until the "
					   "transaction ends.",
					   what, verb, table->name, table->size,
					   (lock[0] == 'A' || lock[0] == 'E') ? "n" : "", lock,
					   lint_lock_blocks(mode)),
			  hint);
}

/*
 * default_is_volatile
 *		Is a column default (a raw expression) volatile, so that ADD COLUMN
 *		must compute it for every row?  Analyzed as the server would, in a
 *		subtransaction: a default the server cannot analyze yet (a function
 *		the plan creates) counts as not volatile.
 */
static bool
default_is_volatile(Node *raw)
{
	MemoryContext context = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool result = false;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(context);
	PG_TRY();
	{
		ParseState *pstate = make_parsestate(NULL);
		Node	   *expr = transformExpr(pstate, copyObject(raw), EXPR_KIND_COLUMN_DEFAULT);

		result = contain_volatile_functions(expr);
		free_parsestate(pstate);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(context);
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
		result = false;
	}
	PG_END_TRY();
	return result;
}

/* Is type one of the serial pseudo-types (a sequence default)? */
static bool
is_serial(TypeName *type)
{
	const char *name;

	if (type == NULL || list_length(type->names) != 1)
		return false;
	name = strVal(linitial(type->names));
	return strcmp(name, "serial") == 0 || strcmp(name, "bigserial") == 0 ||
		strcmp(name, "smallserial") == 0 || strcmp(name, "serial2") == 0 ||
		strcmp(name, "serial4") == 0 || strcmp(name, "serial8") == 0;
}

/*
 * type_change_rewrites
 *		Does ALTER COLUMN TYPE from (old_type, old_typmod) to (new_type,
 *		new_typmod) rewrite the table?  Not when the cast is binary-coercible
 *		(the server's IsBinaryCoercible) with no length check, or when only a
 *		length limit grows (varchar, varbit, numeric precision, time
 *		precisions: the server's support functions skip those).
 */
static bool
type_change_rewrites(Oid old_type, int32 old_typmod, Oid new_type, int32 new_typmod)
{
	if (old_type != new_type)
		return !(IsBinaryCoercible(old_type, new_type) && new_typmod < 0);
	if (new_typmod == old_typmod || new_typmod < 0)
		return false;
	if (old_typmod < 0)
		return true;
	switch (new_type)
	{
		case VARCHAROID:
		case VARBITOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
		case TIMEOID:
		case TIMETZOID:
			return new_typmod < old_typmod;
		case NUMERICOID:
			/* typmod - VARHDRSZ is precision << 16 | scale */
			return ((new_typmod - VARHDRSZ) & 0xffff) != ((old_typmod - VARHDRSZ) & 0xffff) ||
				((new_typmod - VARHDRSZ) >> 16) < ((old_typmod - VARHDRSZ) >> 16);
		default:
			return true;
	}
}

/*
 * lint_constraint
 *		A constraint added to an existing table (ALTER TABLE ADD CONSTRAINT,
 *		or on a column ADD COLUMN adds: column names it).
 */
static void
lint_constraint(LintState *state, LintTable *table, LOCKMODE mode, Constraint *con,
				const char *column)
{
	const char *name = con->conname ? quote_identifier(con->conname) : "(unnamed)";

	switch (con->contype)
	{
		case CONSTR_CHECK:
		case CONSTR_FOREIGN:
			if (con->skip_validation)
			{
				MemoryContext old = MemoryContextSwitchTo(state->keep);
				LintConstraint *added = palloc(sizeof(LintConstraint));

				added->table = table->oid;
				added->name = con->conname ? pstrdup(con->conname) : NULL;
				added->revision = state->revision;
				state->not_valid = lappend(state->not_valid, added);
				MemoryContextSwitchTo(old);
			}
			else if (con->contype == CONSTR_CHECK)
				hazard(state, table, mode, "add-check",
					   psprintf("Adding CHECK constraint %s", name), "scans",
					   "Add it NOT VALID (which checks new rows only), then VALIDATE CONSTRAINT "
					   "in a later revision: validation takes only SHARE UPDATE EXCLUSIVE, "
					   "which lets reads and writes go on.");
			else
				hazard(state, table, ShareRowExclusiveLock, "add-foreign-key",
					   psprintf("Adding FOREIGN KEY %s", name), "scans",
					   "Add it NOT VALID, then VALIDATE CONSTRAINT in a later revision: "
					   "validation takes only SHARE UPDATE EXCLUSIVE on the table and ROW SHARE "
					   "on the referenced table.");
			if (con->contype == CONSTR_FOREIGN)
			{
				LintTable	referenced;
				List	   *columns = con->fk_attrs;

				if (columns == NIL && column)
					columns = list_make1(makeString(pstrdup(column)));
				if (lint_existing_table(state, con->pktable, &referenced))
					lint_took_lock(state, &referenced, ShareRowExclusiveLock);
				if (column || !lint_has_index_on(table->oid, columns))
					lint_emit(state, "warning", "foreign-key-without-index", table->name,
							  psprintf("No index of table %s starts with the columns of foreign "
									   "key %s: every DELETE or key UPDATE on the referenced "
									   "table scans %s (%s).",
									   table->name, name, table->name, table->size),
							  "CREATE INDEX CONCURRENTLY on the foreign key's columns, in a "
							  "revision registered with transactional => false, before this one.");
			}
			break;
		case CONSTR_PRIMARY:
		case CONSTR_UNIQUE:
			if (con->indexname == NULL)
				hazard(state, table, AccessExclusiveLock,
					   con->contype == CONSTR_PRIMARY ? "add-primary-key" : "add-unique",
					   psprintf("Adding %s constraint %s",
								con->contype == CONSTR_PRIMARY ? "PRIMARY KEY" : "UNIQUE", name),
					   "builds an index on",
					   psprintf("CREATE UNIQUE INDEX CONCURRENTLY in a revision registered with "
								"transactional => false, then ALTER TABLE ... ADD CONSTRAINT ... %s "
								"USING INDEX in a later one.",
								con->contype == CONSTR_PRIMARY ? "PRIMARY KEY" : "UNIQUE"));
			break;
		case CONSTR_EXCLUSION:
			hazard(state, table, AccessExclusiveLock, "add-exclusion-constraint",
				   psprintf("Adding EXCLUDE constraint %s", name), "builds an index on",
				   "An exclusion constraint cannot be built concurrently: add it while the table "
				   "is new or small, or in a maintenance window.");
			break;
		default:
			break;
	}
}

/* ALTER TABLE ... ADD COLUMN on an existing table. */
static void
lint_add_column(LintState *state, LintTable *table, LOCKMODE mode, ColumnDef *col)
{
	const char *column = quote_identifier(col->colname);
	ListCell   *lc;

	if (is_serial(col->typeName))
		hazard(state, table, mode, "add-column-serial",
			   psprintf("Adding %s column %s", strVal(linitial(col->typeName->names)), column),
			   "rewrites",
			   "Add a plain integer column with no default, then in later revisions set its default "
			   "to nextval() of a new sequence and backfill the existing rows in batches.");
	foreach(lc, col->constraints)
	{
		Constraint *con = lfirst_node(Constraint, lc);

		CHECK_FOR_INTERRUPTS();
		switch (con->contype)
		{
			case CONSTR_DEFAULT:
				if (default_is_volatile(con->raw_expr))
					hazard(state, table, mode, "add-column-volatile-default",
						   psprintf("Adding column %s with a volatile default", column), "rewrites",
						   "Add the column with no default (or a constant or stable one), "
						   "then SET DEFAULT, then backfill the existing rows in batches.");
				break;
			case CONSTR_GENERATED:
#if PG_VERSION_NUM >= 180000
				if (con->generated_kind != ATTRIBUTE_GENERATED_STORED)
					break;
#endif
				hazard(state, table, mode, "add-column-stored-generated",
					   psprintf("Adding stored generated column %s", column), "rewrites",
					   "Add a plain column kept up to date by a trigger, backfill the existing "
					   "rows in batches, then switch to the generated column on a new table "
					   "or in a maintenance window.");
				break;
			case CONSTR_IDENTITY:
				hazard(state, table, mode, "add-column-identity",
					   psprintf("Adding identity column %s", column), "rewrites",
					   "Add a plain integer column with no default, backfill it in batches, then "
					   "ALTER COLUMN ... ADD GENERATED ... AS IDENTITY once every row has a value.");
				break;
			case CONSTR_CHECK:
			case CONSTR_FOREIGN:
			case CONSTR_PRIMARY:
			case CONSTR_UNIQUE:
				lint_constraint(state, table, mode, con, col->colname);
				break;
			default:
				break;
		}
	}
}

/* ALTER TABLE ... ALTER COLUMN ... TYPE on an existing table. */
static void
lint_alter_type(LintState *state, LintTable *table, LOCKMODE mode, const char *column,
				ColumnDef *col)
{
	HeapTuple	attribute = SearchSysCacheAttName(table->oid, column);
	Form_pg_attribute att;
	Type		type;
	Oid			new_type;
	int32		new_typmod;
	Oid			old_type;
	int32		old_typmod;

	if (!HeapTupleIsValid(attribute))
		return;
	att = (Form_pg_attribute) GETSTRUCT(attribute);
	old_type = att->atttypid;
	old_typmod = att->atttypmod;
	ReleaseSysCache(attribute);
	type = LookupTypeName(NULL, col->typeName, &new_typmod, true);
	if (type == NULL)
		return;
	new_type = typeTypeId(type);
	ReleaseSysCache(type);

	if (col->raw_default != NULL ||
		type_change_rewrites(old_type, old_typmod, new_type, new_typmod))
		hazard(state, table, mode, "alter-column-type",
			   psprintf("Changing column %s from %s to %s", quote_identifier(column),
						format_type_with_typemod(old_type, old_typmod),
						format_type_with_typemod(new_type, new_typmod)),
			   "rewrites",
			   "Add a column of the new type, keep it in sync with a trigger, backfill it in "
			   "batches, then switch the clients over and drop the old column; only a "
			   "binary-coercible change (varchar(n) to a longer varchar or to text) skips the "
			   "rewrite.");
	if (new_type != old_type)
		lint_emit(state, "warning", "visible-type-change", table->name,
				  psprintf("Column %s of table %s changes type from %s to %s: running clients "
						   "read and bind values of the old type.",
						   quote_identifier(column), table->name,
						   format_type_with_typemod(old_type, old_typmod),
						   format_type_with_typemod(new_type, new_typmod)),
				  "Deploy clients that accept both types first.");
}

/* ALTER TABLE on an existing table: each subcommand. */
static void
lint_alter_table(LintState *state, AlterTableStmt *alter)
{
	LintTable	table;
	LOCKMODE	mode;
	ListCell   *lc;

	if (alter->objtype != OBJECT_TABLE && alter->objtype != OBJECT_MATVIEW)
		return;
	if (!lint_existing_table(state, alter->relation, &table))
		return;
	mode = AlterTableGetLockLevel(alter->cmds);
	lint_took_lock(state, &table, mode);

	foreach(lc, alter->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		CHECK_FOR_INTERRUPTS();
		switch (cmd->subtype)
		{
			case AT_AddColumn:
				lint_add_column(state, &table, mode, (ColumnDef *) cmd->def);
				break;
			case AT_AlterColumnType:
				lint_alter_type(state, &table, mode, cmd->name, (ColumnDef *) cmd->def);
				break;
			case AT_SetNotNull:
				{
					AttrNumber	attnum = get_attnum(table.oid, cmd->name);
					HeapTuple	attribute = SearchSysCacheAttName(table.oid, cmd->name);
					bool		already = false;

					if (HeapTupleIsValid(attribute))
					{
						already = ((Form_pg_attribute) GETSTRUCT(attribute))->attnotnull;
						ReleaseSysCache(attribute);
					}
					if (attnum != InvalidAttrNumber && !already &&
						!lint_has_not_null_check(table.oid, attnum))
						hazard(state, &table, mode, "set-not-null",
							   psprintf("Setting column %s NOT NULL", quote_identifier(cmd->name)),
							   "scans",
							   psprintf("ADD CONSTRAINT ... CHECK (%s IS NOT NULL) NOT VALID, "
										"VALIDATE CONSTRAINT in a later revision, then SET NOT "
										"NULL (which then skips the scan) and drop the check.",
										quote_identifier(cmd->name)));
				}
				break;
			case AT_AddConstraint:
				lint_constraint(state, &table, mode, (Constraint *) cmd->def, NULL);
				break;
			case AT_ValidateConstraint:
				{
					ListCell   *nv;

					foreach(nv, state->not_valid)
					{
						LintConstraint *added = lfirst(nv);

						if (added->table == table.oid && added->name &&
							strcmp(added->name, cmd->name) == 0)
						{
							lint_emit(state, "warning", "not-valid-then-validate", table.name,
									  psprintf("Constraint %s, added NOT VALID by revision "
											   "\"%s\", is validated in the same transaction: "
											   "the ACCESS EXCLUSIVE lock of adding it is held "
											   "while the whole table is scanned.",
											   quote_identifier(cmd->name), added->revision),
									  "VALIDATE CONSTRAINT in a later revision applied in a "
									  "later transaction (a later deploy, or CALL "
									  "rev_upgrade_each()).");
							break;
						}
					}
				}
				break;
			case AT_DropColumn:
				lint_emit(state, "warning", "drop-column", table.name,
						  psprintf("Dropping column %s of table %s breaks running clients that "
								   "still read or write it.",
								   quote_identifier(cmd->name), table.name),
						  "Deploy clients that no longer use the column first, then drop it "
						  "in a later revision.");
				break;
			case AT_SetLogged:
			case AT_SetUnLogged:
				hazard(state, &table, mode,
					   cmd->subtype == AT_SetLogged ? "set-logged" : "set-unlogged",
					   cmd->subtype == AT_SetLogged ? "SET LOGGED" : "SET UNLOGGED", "rewrites",
					   "There is no online form: create the table with the wanted persistence "
					   "from the start, or change it in a maintenance window.");
				break;
			case AT_SetTableSpace:
				hazard(state, &table, mode, "set-tablespace", "SET TABLESPACE", "copies",
					   "Move the table online with pg_repack --tablespace, or in a maintenance "
					   "window.");
				break;
			default:
				break;
		}
	}
}

/* DROP TABLE and DROP INDEX. */
static void
lint_drop(LintState *state, DropStmt *drop)
{
	ListCell   *lc;

	if (drop->removeType != OBJECT_TABLE && drop->removeType != OBJECT_INDEX)
		return;
	foreach(lc, drop->objects)
	{
		RangeVar   *rv = makeRangeVarFromNameList(lfirst(lc));
		LintTable	table;

		CHECK_FOR_INTERRUPTS();
		if (!lint_existing_table(state, rv, &table))
			continue;
		lint_took_lock(state, &table, AccessExclusiveLock);
		if (drop->removeType == OBJECT_TABLE && !OidIsValid(table.index_oid))
			lint_emit(state, "warning", "drop-table", table.name,
					  psprintf("Dropping table %s (%s) breaks running clients that still use it.",
							   table.name, table.size),
					  "Deploy clients that no longer use the table first, then drop it in a "
					  "later revision.");
		else if (drop->removeType == OBJECT_INDEX && !drop->concurrent &&
				 OidIsValid(table.index_oid))
			hazard(state, &table, AccessExclusiveLock, "drop-index",
				   psprintf("Dropping index %s", quote_identifier(get_rel_name(table.index_oid))),
				   "locks", "DROP INDEX CONCURRENTLY in a revision registered with "
				   "transactional => false.");
	}
}

/*
 * lint_create_table
 *		Remember the new table; a foreign key to an existing table takes
 *		SHARE ROW EXCLUSIVE on it.
 */
static void
lint_create_table(LintState *state, CreateStmt *create)
{
	List	   *constraints = list_copy(create->constraints);
	ListCell   *lc;

	lint_remember_created(state, create->relation, NULL);
	foreach(lc, create->tableElts)
		if (IsA(lfirst(lc), ColumnDef))
			constraints = list_concat(constraints, ((ColumnDef *) lfirst(lc))->constraints);
	foreach(lc, constraints)
	{
		Constraint *con = lfirst_node(Constraint, lc);
		LintTable	referenced;

		CHECK_FOR_INTERRUPTS();
		if (con->contype == CONSTR_FOREIGN &&
			lint_existing_table(state, con->pktable, &referenced))
			lint_took_lock(state, &referenced, ShareRowExclusiveLock);
	}
}

/*
 * lint_rewrite_all
 *		VACUUM FULL, CLUSTER, REFRESH MATERIALIZED VIEW of rv (NULL: of
 *		every table it applies to).
 */
static void
lint_rewrite_all(LintState *state, RangeVar *rv, const char *rule, const char *what,
				 const char *hint)
{
	LintTable	table;

	if (rv == NULL)
	{
		lint_emit(state, "error", rule, NULL,
				  psprintf("%s without a table name rewrites every table it applies to, each "
						   "under an ACCESS EXCLUSIVE lock, which blocks every read and write "
						   "of it.", what),
				  hint);
		return;
	}
	if (!lint_existing_table(state, rv, &table))
		return;
	lint_took_lock(state, &table, AccessExclusiveLock);
	hazard(state, &table, AccessExclusiveLock, rule, what, "rewrites", hint);
}

/*
 * lint_rules
 *		Every finding of one statement (a raw parse tree) but those lint.c
 *		adds itself; note the locks it takes on existing tables.
 */
void
lint_rules(LintState *state, Node *stmt)
{
	ListCell   *lc;
	LintTable	table;

	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
			lint_create_table(state, (CreateStmt *) stmt);
			break;
		case T_CreateTableAsStmt:
			lint_remember_created(state, ((CreateTableAsStmt *) stmt)->into->rel, NULL);
			break;
		case T_CreateSeqStmt:
			lint_remember_created(state, ((CreateSeqStmt *) stmt)->sequence, NULL);
			break;
		case T_ViewStmt:
			lint_remember_created(state, ((ViewStmt *) stmt)->view, NULL);
			break;
		case T_AlterTableStmt:
			lint_alter_table(state, (AlterTableStmt *) stmt);
			break;
		case T_IndexStmt:
			{
				IndexStmt  *index = (IndexStmt *) stmt;

				if (!index->concurrent && lint_existing_table(state, index->relation, &table))
				{
					lint_took_lock(state, &table, ShareLock);
					/* ON ONLY a partitioned table: an invalid index of the parent alone */
					if (index->relation->inh ||
						get_rel_relkind(table.oid) != RELKIND_PARTITIONED_TABLE)
						hazard(state, &table, ShareLock, "create-index",
							   index->unique ? "CREATE UNIQUE INDEX" : "CREATE INDEX",
							   "builds an index on",
							   "CREATE INDEX CONCURRENTLY in a revision registered with "
							   "transactional => false.");
				}
				if (index->idxname)
					lint_remember_created(state, index->relation, index->idxname);
			}
			break;
		case T_DropStmt:
			lint_drop(state, (DropStmt *) stmt);
			break;
		case T_ReindexStmt:
			{
				ReindexStmt *reindex = (ReindexStmt *) stmt;
				bool		concurrent = false;

				foreach(lc, reindex->params)
				{
					DefElem    *option = lfirst_node(DefElem, lc);

					if (strcmp(option->defname, "concurrently") == 0 && defGetBoolean(option))
						concurrent = true;
				}
				if (!concurrent &&
					(reindex->kind == REINDEX_OBJECT_TABLE || reindex->kind == REINDEX_OBJECT_INDEX) &&
					lint_existing_table(state, reindex->relation, &table))
				{
					lint_took_lock(state, &table, ShareLock);
					hazard(state, &table, ShareLock, "reindex", "REINDEX",
						   "rebuilds indexes of",
						   "REINDEX ... CONCURRENTLY in a revision registered with "
						   "transactional => false (the ACCESS EXCLUSIVE lock on each index also "
						   "blocks the queries planned with it).");
				}
			}
			break;
		case T_VacuumStmt:
			{
				VacuumStmt *vacuum = (VacuumStmt *) stmt;
				bool		full = false;

				foreach(lc, vacuum->options)
				{
					DefElem    *option = lfirst_node(DefElem, lc);

					if (strcmp(option->defname, "full") == 0 && defGetBoolean(option))
						full = true;
				}
				if (!vacuum->is_vacuumcmd || !full)
					break;
				if (vacuum->rels == NIL)
					lint_rewrite_all(state, NULL, "vacuum-full", "VACUUM FULL",
									 "Plain VACUUM does not block; rebuild a bloated table online "
									 "with pg_repack.");
				foreach(lc, vacuum->rels)
					lint_rewrite_all(state, lfirst_node(VacuumRelation, lc)->relation,
									 "vacuum-full", "VACUUM FULL",
									 "Plain VACUUM does not block; rebuild a bloated table online "
									 "with pg_repack.");
			}
			break;
		case T_ClusterStmt:
			lint_rewrite_all(state, ((ClusterStmt *) stmt)->relation, "cluster", "CLUSTER",
							 "Reorder the table online with pg_repack --order-by, or in a "
							 "maintenance window.");
			break;
		case T_RefreshMatViewStmt:
			if (!((RefreshMatViewStmt *) stmt)->concurrent)
				lint_rewrite_all(state, ((RefreshMatViewStmt *) stmt)->relation,
								 "refresh-materialized-view", "REFRESH MATERIALIZED VIEW",
								 "REFRESH MATERIALIZED VIEW CONCURRENTLY (it needs a unique "
								 "index on the view) lets reads go on.");
			break;
		case T_RenameStmt:
			{
				RenameStmt *rename = (RenameStmt *) stmt;

				if (rename->renameType != OBJECT_TABLE && rename->renameType != OBJECT_COLUMN)
					break;
				if (!lint_existing_table(state, rename->relation, &table))
				{
					if (rename->renameType == OBJECT_TABLE)
						lint_remember_created(state, rename->relation, rename->newname);
					break;
				}
				lint_took_lock(state, &table, AccessExclusiveLock);
				if (rename->renameType == OBJECT_TABLE)
					lint_remember_renamed(state, &table, rename->newname);
				if (rename->renameType == OBJECT_TABLE)
					lint_emit(state, "warning", "rename-table", table.name,
							  psprintf("Renaming table %s to %s breaks running clients that "
									   "still use the old name.",
									   table.name, quote_identifier(rename->newname)),
							  "Rename it, and create a view with the old name in the same "
							  "revision; drop the view once no client uses it.");
				else
					lint_emit(state, "warning", "rename-column", table.name,
							  psprintf("Renaming column %s of table %s to %s breaks running "
									   "clients that still use the old name.",
									   quote_identifier(rename->subname), table.name,
									   quote_identifier(rename->newname)),
							  "Add the new column kept in sync by a trigger, move the clients, "
							  "then drop the old column in a later revision.");
			}
			break;
		case T_LockStmt:
			foreach(lc, ((LockStmt *) stmt)->relations)
				if (lint_existing_table(state, lfirst_node(RangeVar, lc), &table))
					lint_took_lock(state, &table, ((LockStmt *) stmt)->mode);
			break;
		case T_TruncateStmt:
			foreach(lc, ((TruncateStmt *) stmt)->relations)
				if (lint_existing_table(state, lfirst_node(RangeVar, lc), &table))
					lint_took_lock(state, &table, AccessExclusiveLock);
			break;
		case T_CreateTrigStmt:
			if (lint_existing_table(state, ((CreateTrigStmt *) stmt)->relation, &table))
				lint_took_lock(state, &table, ShareRowExclusiveLock);
			break;
		default:
			break;
	}
}
