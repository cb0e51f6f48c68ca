/*
 * bin/python.c — running a Python helper script embedded in the client
 * (import_alembic.py, models_from.py): `$PYTHON -c SCRIPT ARG`, $PYTHON
 * defaulting to python3 from PATH, its stdout collected, its stderr passed
 * through to ours.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "import.h"

/* The Python the client runs: $PYTHON, else "python3" (found on PATH). */
const char *
python_name(void)
{
	const char *python = getenv("PYTHON");

	return python && python[0] ? python : "python3";
}

/*
 * Run python_name() -c script arg.  Returns its stdout (malloc'ed, *len
 * bytes, NUL-terminated) and its exit status in *status (127: it could not
 * be run, said on stderr; -1: killed by a signal); NULL after an error
 * (pipe, fork) that is reported.
 */
char *
python_run(const char *script, const char *arg, size_t *len, int *status)
{
	const char *python = python_name();
	int			fds[2], wstatus;
	pid_t		pid;
	size_t		cap = 65536;
	char	   *buf;
	ssize_t		got;

	if (pipe(fds) != 0)
	{
		errmsgf("could not create a pipe: %s", strerror(errno));
		return NULL;
	}
	fflush(NULL);
	if ((pid = fork()) < 0)
	{
		errmsgf("could not fork: %s", strerror(errno));
		return NULL;
	}
	if (pid == 0)
	{
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execlp(python, python, "-c", script, arg, (char *) NULL);
		fprintf(stderr, "pg_revisions: error: could not run \"%s\": %s\n", python, strerror(errno));
		fprintf(stderr, "hint: set PYTHON to a Python 3 interpreter\n");
		_exit(127);
	}
	close(fds[1]);
	buf = xmalloc(cap);
	*len = 0;
	while ((got = read(fds[0], buf + *len, cap - *len - 1)) != 0)
	{
		if (got < 0)
		{
			if (errno == EINTR)
				continue;
			break;
		}
		*len += (size_t) got;
		if (cap - *len < 4096)
		{
			char	   *bigger = xmalloc(cap * 2);

			memcpy(bigger, buf, *len);
			free(buf);
			buf = bigger;
			cap *= 2;
		}
	}
	close(fds[0]);
	buf[*len] = '\0';
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR);
	*status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
	return buf;
}
