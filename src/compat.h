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

/* PostgreSQL 17 moved the local transaction id into PGPROC.vxid. */
#if PG_VERSION_NUM >= 170000
#define PGREV_MY_LXID (MyProc->vxid.lxid)
#else
#define PGREV_MY_LXID (MyProc->lxid)
#endif

#endif							/* PGREV_COMPAT_H */
