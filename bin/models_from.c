/*
 * bin/models_from.c — `--models-from MODULE:ATTRIBUTE` for `revision
 * --autogenerate` and `check`: the models DDL rendered from a SQLAlchemy
 * MetaData (or declarative Base) by models_from.py (embedded at build time,
 * models_from_py.h), run with $PYTHON, else python3 from PATH.  The DDL is
 * written to a temporary file named after the spec, removed at exit, so the
 * commands read it like a --models file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import.h"

/* The text of models_from.py, as a C string. */
static const char models_script[] =
#include "models_from_py.h"
;

static char *tmp_dir;
static char *tmp_file;

/* Remove the temporary models file and its directory (atexit). */
static void
remove_models_file(void)
{
	if (tmp_file)
		unlink(tmp_file);
	if (tmp_dir)
		rmdir(tmp_dir);
}

/*
 * Render spec's models into a temporary file; *path gets its path.  A module
 * that fails to import (the last line of its traceback is printed), a missing
 * Python or SQLAlchemy, an attribute that is no MetaData: EXIT_USAGE.
 */
int
models_from(const char *spec, char **path)
{
	size_t		len;
	int			status;
	char	   *ddl = python_run(models_script, spec, &len, &status);
	const char *tmp = getenv("TMPDIR");
	FILE	   *out;
	char	   *name;

	if (ddl == NULL)
		return EXIT_USAGE;
	if (status != 0)
	{
		if (status != 2 && status != 127)
			errmsgf("%s failed rendering the models of %s (exit %d)", python_name(), spec, status);
		free(ddl);
		return EXIT_USAGE;
	}
	tmp_dir = xmalloc(strlen(tmp && tmp[0] ? tmp : "/tmp") + 32);
	sprintf(tmp_dir, "%s/pg_revisions-models-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(tmp_dir) == NULL)
	{
		errmsgf("could not create a temporary directory \"%s\": %s", tmp_dir, strerror(errno));
		tmp_dir = NULL;
		return EXIT_USAGE;
	}
	atexit(remove_models_file);
	name = xstrdup(spec);
	for (char *p = name; *p; p++)
		if (*p == '/')
			*p = '_';
	tmp_file = xmalloc(strlen(tmp_dir) + strlen(name) + 8);
	sprintf(tmp_file, "%s/%s.sql", tmp_dir, name);
	if ((out = fopen(tmp_file, "w")) == NULL || fwrite(ddl, 1, len, out) != len || fclose(out) != 0)
	{
		errmsgf("could not write \"%s\": %s", tmp_file, strerror(errno));
		return EXIT_USAGE;
	}
	free(ddl);
	*path = tmp_file;
	return EXIT_OK;
}
