/*
 * bin/readfile.c — reading a migration or models file whole, safely: only a
 * regular file (a FIFO, a device or a directory, also behind a symbolic link,
 * is refused before it is opened, so the client never blocks on one or reads
 * forever), at most MAX_FILE_BYTES (64 MiB), without NUL bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pg_revisions.h"

/*
 * Read a whole text file (malloc'ed); NULL (errno set) on failure: EINVAL
 * for a NUL byte, EFTYPE_NOT_REGULAR for anything but a regular file (a
 * FIFO, a device or a directory, also behind a symbolic link: reading one
 * could block forever or never end), EFBIG for a file over MAX_FILE_BYTES.
 * Never blocks on open.  Also reads the models file of autogen.c.
 */
char *
read_all(const char *path)
{
	struct stat st;
	int			fd, saved;
	size_t		cap, len = 0;
	ssize_t		got;
	char	   *buf;

	/* Look before opening (opening a FIFO or some devices has effects). */
	if (stat(path, &st) != 0)
		return NULL;
	if (!S_ISREG(st.st_mode))
	{
		errno = EFTYPE_NOT_REGULAR;
		return NULL;
	}
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return NULL;
	/* And again on what was opened: the name may have changed meanwhile. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_FILE_BYTES)
	{
		saved = S_ISREG(st.st_mode) ? EFBIG : EFTYPE_NOT_REGULAR;
		close(fd);
		errno = saved;
		return NULL;
	}
	cap = (size_t) st.st_size + 1;
	buf = xmalloc(cap);
	for (;;)
	{
		if (len + 1 == cap)
		{
			/* The file grew since fstat: read on, up to the cap. */
			char	   *bigger;

			if (len >= MAX_FILE_BYTES)
			{
				close(fd);
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			bigger = xmalloc(cap * 2);
			memcpy(bigger, buf, len);
			free(buf);
			buf = bigger;
			cap *= 2;
		}
		got = read(fd, buf + len, cap - len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
		{
			saved = errno;
			close(fd);
			free(buf);
			errno = saved;
			return NULL;
		}
		if (got == 0)
			break;
		len += (size_t) got;
	}
	close(fd);
	if (len > MAX_FILE_BYTES)
	{
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[len] = '\0';
	if (strlen(buf) != len)
	{
		free(buf);
		errno = EINVAL;			/* a NUL byte: not a text file */
		return NULL;
	}
	return buf;
}

/* Why read_all failed, for messages. */
const char *
read_error(int err)
{
	static char size_text[96];

	if (err == EINVAL)
		return "not a text file (a NUL byte)";
	if (err == EFTYPE_NOT_REGULAR)
		return "not a regular file (a directory, FIFO, socket or device, maybe behind a symbolic link)";
	if (err == EFBIG)
	{
		snprintf(size_text, sizeof(size_text), "larger than %d MiB, the limit for a migration or models file",
				 MAX_FILE_BYTES >> 20);
		return size_text;
	}
	return strerror(err);
}
