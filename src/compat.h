/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  Every PostgreSQL-version difference pg_revisions cares about, in one
 *	  place.  The floor is PostgreSQL 15 (the Makefile refuses older ones).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGREV_COMPAT_H
#define PGREV_COMPAT_H

#include "storage/proc.h"
#include "utils/acl.h"
#if PG_VERSION_NUM >= 160000
#include "catalog/pg_namespace.h"
#endif

/* PostgreSQL 17 moved the local transaction id into PGPROC.vxid. */
#if PG_VERSION_NUM >= 170000
#define PGREV_MY_LXID (MyProc->vxid.lxid)
#else
#define PGREV_MY_LXID (MyProc->lxid)
#endif

/*
 * PostgreSQL 16 replaced pg_namespace_aclcheck() and its siblings by
 * object_aclcheck(class, oid, role, mode).
 */
#if PG_VERSION_NUM >= 160000
#define pgrev_namespace_aclcheck(nsp, roleid, mode) \
	object_aclcheck(NamespaceRelationId, (nsp), (roleid), (mode))
#else
#define pgrev_namespace_aclcheck(nsp, roleid, mode) \
	pg_namespace_aclcheck((nsp), (roleid), (mode))
#endif

#endif							/* PGREV_COMPAT_H */
