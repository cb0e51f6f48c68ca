/*
 * bin/newfile.c — writing new migration files for the pg_revisions client
 * (`revision` and `merge`): a random 12-hex-digit id, a file name
 * <revision>_<slug>.sql, the header of files.c's format and the sections
 * (empty, or for `revision --autogenerate` the scripts the server generated).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_revisions.h"

/* A new 12-hex-digit revision id, from /dev/urandom. */
char *
files_new_id(void)
{
	unsigned char b[6];
	char	   *id = xmalloc(13);
	int			fd = open("/dev/urandom", O_RDONLY);

	if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t) sizeof(b))
	{
		errmsgf("could not read /dev/urandom: %s", strerror(errno));
		exit(EXIT_DB);
	}
	close(fd);
	for (int i = 0; i < 6; i++)
		sprintf(id + 2 * i, "%02x", b[i]);
	return id;
}

/* Write a comma-separated list. */
static void
put_list(FILE *out, char **items, int n)
{
	for (int i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? ", " : "", items[i]);
}

/* The length of s without its trailing whitespace (NULL: 0). */
static int
content_length(const char *s)
{
	size_t		len = s ? strlen(s) : 0;

	while (len > 0 && isspace((unsigned char) s[len - 1]))
		len--;
	return (int) len;
}

/*
 * files_create_new
 *		Create DIR/<revision>_<slug of message>.sql, which must not exist yet,
 *		for writing; its path in *path_out.  Returns an exit code (an error
 *		is printed).
 */
int
files_create_new(const char *dir, const char *revision, const char *message,
				 char **path_out, FILE **out)
{
	char		slug[41];
	int			k = 0, fd;
	char	   *path;

	for (const char *p = message ? message : ""; *p && k < 40; p++)
	{
		if (isalnum((unsigned char) *p) && (unsigned char) *p < 128)
			slug[k++] = (char) tolower((unsigned char) *p);
		else if (k > 0 && slug[k - 1] != '_')
			slug[k++] = '_';
	}
	while (k > 0 && slug[k - 1] == '_')
		k--;
	slug[k] = '\0';
	path = xmalloc(strlen(dir) + strlen(revision) + k + 8);
	sprintf(path, "%s/%s%s%s.sql", dir, revision, k ? "_" : "", slug);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || (*out = fdopen(fd, "w")) == NULL)
	{
		errmsgf("could not create \"%s\": %s", path, strerror(errno));
		if (errno == ENOENT)
			fprintf(stderr, "hint: run \"pg_revisions init\" first, or pass -m DIR\n");
		return EXIT_USAGE;
	}
	*path_out = path;
	return EXIT_OK;
}

/*
 * Create DIR/<revision>_<slug>.sql (never overwriting) with the header and
 * the sections: upgrade and downgrade written verbatim (NULL: empty).  The
 * caller makes sure they hold no section marker line (has_marker_line).
 * *path_out gets the path.  Returns an exit code.
 */
int
files_write_new(const char *dir, const char *revision, char **down, int ndown,
				const char *message, const char *branch_label,
				char **deps, int ndeps, bool transactional,
				const char *upgrade, const char *downgrade, char **path_out)
{
	char	   *path;
	FILE	   *out;
	int			rc = files_create_new(dir, revision, message, &path, &out);

	if (rc != EXIT_OK)
		return rc;
	fprintf(out, "-- revision: %s\n-- down_revision:%s", revision, ndown ? " " : "");
	put_list(out, down, ndown);
	fprintf(out, "\n-- message: ");
	for (const char *p = message ? message : ""; *p; p++)
		fputc(*p == '\n' || *p == '\r' ? ' ' : *p, out);
	fputc('\n', out);
	if (branch_label)
		fprintf(out, "-- branch_label: %s\n", branch_label);
	if (ndeps > 0)
	{
		fprintf(out, "-- depends_on: ");
		put_list(out, deps, ndeps);
		fputc('\n', out);
	}
	if (!transactional)
		fprintf(out, "-- transactional: false\n");
	fprintf(out, "\n-- migrate:upgrade\n%.*s\n\n-- migrate:downgrade\n%.*s\n",
			content_length(upgrade), upgrade ? upgrade : "",
			content_length(downgrade), downgrade ? downgrade : "");
	if (fclose(out) != 0)
	{
		errmsgf("could not write \"%s\": %s", path, strerror(errno));
		return EXIT_USAGE;
	}
	*path_out = path;
	return EXIT_OK;
}
