/*
 * bin/import_flyway_placeholders.c — Flyway's placeholders for `import
 * flyway`: ${name} in V, U and R scripts is replaced as Flyway replaces it
 * before running the script, so the imported SQL is what Flyway ran.
 *
 * Settings, later ones overriding earlier ones (as Flyway layers them):
 *   1. a configuration file: the files of -configFiles=F1,F2 (or
 *      --flyway-config FILE), else the nearest flyway.conf / flyway.toml in
 *      the location, a directory above it (up to 5 levels: Maven's
 *      src/main/resources/db/migration) or its conf/
 *      subdirectory, else in the current directory.  flyway.conf lines are
 *      key=value; flyway.toml's [section] key = "value" lines become
 *      section.key ([flyway.placeholders] name = "v" is
 *      flyway.placeholders.name, [environments.default] url = "..." is
 *      environments.default.url);
 *   2. FLYWAY_* environment variables: FLYWAY_PLACEHOLDERS_<NAME>,
 *      FLYWAY_PLACEHOLDER_REPLACEMENT, FLYWAY_PLACEHOLDER_PREFIX / _SUFFIX,
 *      FLYWAY_DEFAULT_SCHEMA, FLYWAY_SCHEMAS, FLYWAY_USER, FLYWAY_URL,
 *      FLYWAY_TABLE, FLYWAY_ENVIRONMENT;
 *   3. the import command's options: --placeholder NAME=VALUE, and Flyway's
 *      own -placeholders.NAME=VALUE, -placeholderReplacement=false,
 *      -placeholderPrefix=, -placeholderSuffix=, -defaultSchema=, -schemas=,
 *      -user=, -url=, -table=, -environment= (import_flyway_option).
 *
 * Names are case-insensitive.  Flyway's default placeholders:
 * ${flyway:defaultSchema} (defaultSchema, else the first of schemas, else
 * public: PostgreSQL's default schema), ${flyway:user} (user),
 * ${flyway:database} (the database of url), ${flyway:timestamp} (the time of
 * the import, yyyy-MM-dd HH:mm:ss), ${flyway:filename} (the script's file
 * name), ${flyway:workingDirectory} (the import's current directory),
 * ${flyway:table} (table, else flyway_schema_history), ${flyway:environment}
 * (environment, else default); a --placeholder flyway:user=... overrides
 * one.  A placeholder without a value is an error naming the file, the line
 * and the placeholder (nothing is written), unless placeholderReplacement is
 * false.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "import.h"

extern char **environ;

/* The settings: keys (flyway.placeholders.x, flyway.user, ...) and values. */
struct FlyPlaceholders
{
	char	  **keys;
	char	  **values;
	int			n;
	char		timestamp[32];
	char	   *cwd;
};

/* The command line's settings (import_flyway_option), applied last. */
static char **opt_keys, **opt_values;
static int	opt_n;

/* A bigger buffer holding the first len bytes of old (freed). */
static char *
xrealloc_copy(char *old, size_t len, size_t cap)
{
	char	   *bigger = xmalloc(cap);

	memcpy(bigger, old, len);
	free(old);
	return bigger;
}

/* Set key to value in the settings (case-insensitive key; the last one wins). */
static void
set_value(char ***keys, char ***values, int *n, const char *key, const char *value)
{
	for (int i = 0; i < *n; i++)
		if (strcasecmp((*keys)[i], key) == 0)
		{
			free((*values)[i]);
			(*values)[i] = xstrdup(value);
			return;
		}
	imp_list_add(keys, n, key);
	(*n)--;
	imp_list_add(values, n, value);
}

/* The value of a setting, or NULL. */
static const char *
get_value(const FlyPlaceholders *ph, const char *key)
{
	for (int i = 0; i < ph->n; i++)
		if (strcasecmp(ph->keys[i], key) == 0)
			return ph->values[i];
	return NULL;
}

/*
 * An option of the import command: "placeholder NAME=VALUE" (--placeholder)
 * or one of Flyway's "-KEY=VALUE" without its dash.  False when it is not one
 * (the caller reports it).
 */
bool
import_flyway_option(const char *arg)
{
	static const char *const keys[] = {"placeholderReplacement", "placeholderPrefix", "placeholderSuffix",
		"defaultSchema", "schemas", "user", "url", "table", "environment", "configFiles"};
	const char *eq = strchr(arg, '=');
	char	   *key;

	if (eq == NULL || eq == arg)
		return false;
	key = xmalloc(strlen(arg) + 32);
	if (strncmp(arg, "placeholders.", 13) == 0 && eq > arg + 13)
		sprintf(key, "flyway.%.*s", (int) (eq - arg), arg);
	else
	{
		bool		known = false;

		for (int i = 0; i < 10; i++)
			known |= strlen(keys[i]) == (size_t) (eq - arg) && strncmp(arg, keys[i], eq - arg) == 0;
		if (!known)
		{
			free(key);
			return false;
		}
		sprintf(key, "flyway.%.*s", (int) (eq - arg), arg);
	}
	set_value(&opt_keys, &opt_values, &opt_n, key, eq + 1);
	free(key);
	return true;
}

/* --placeholder NAME=VALUE.  False when it has no "=" or no name. */
bool
import_placeholder_option(const char *name_value)
{
	char	   *arg;
	bool		ok;

	if (strchr(name_value, '=') == NULL || name_value[0] == '=')
		return false;
	arg = xmalloc(strlen(name_value) + 16);
	sprintf(arg, "placeholders.%s", name_value);
	ok = import_flyway_option(arg);
	free(arg);
	return ok;
}

/* Read one configuration file (conf or TOML lines) into ph.  False after an error naming it. */
static bool
read_config(FlyPlaceholders *ph, const char *path)
{
	char	   *text = imp_read(path, "Flyway configuration file");
	char	   *section = xstrdup("");

	if (text == NULL)
		return false;
	for (char *p = text; *p;)
	{
		char	   *nl = strchr(p, '\n');
		char	   *line = trimmed(p, nl ? (size_t) (nl - p) : strlen(p));
		char	   *eq = strchr(line, '=');

		p = nl ? nl + 1 : p + strlen(p);
		if (line[0] == '[' && line[strlen(line) - 1] == ']')
		{
			free(section);
			section = trimmed(line + 1, strlen(line) - 2);
		}
		else if (line[0] != '\0' && line[0] != '#' && line[0] != '!' && eq != NULL)
		{
			char	   *k = trimmed(line, (size_t) (eq - line));
			char	   *v = trimmed(eq + 1, strlen(eq + 1));
			char	   *key = xmalloc(strlen(section) + strlen(k) + 2);
			size_t		vl = strlen(v);

			/* TOML: a quoted string ('...' or "...") loses its quotes */
			if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0])
			{
				memmove(v, v + 1, vl - 2);
				v[vl - 2] = '\0';
			}
			if (k[0] == '"' && k[strlen(k) - 1] == '"' && strlen(k) >= 2)
			{
				memmove(k, k + 1, strlen(k) - 2);
				k[strlen(k) - 2] = '\0';
			}
			sprintf(key, "%s%s%s", section, section[0] ? "." : "", k);
			set_value(&ph->keys, &ph->values, &ph->n, key, v);
			free(k);
			free(v);
			free(key);
		}
		free(line);
	}
	free(section);
	free(text);
	return true;
}

/* True when dir/name is a regular file; *found gets the path (malloc'ed). */
static bool
config_in(const char *dir, const char *name, char **found)
{
	struct stat st;
	char	   *p = imp_path(dir, name);

	if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
	{
		*found = p;
		return true;
	}
	free(p);
	return false;
}

/*
 * Read the configuration files of the location (see the header): false
 * after an error.
 */
static bool
read_configs(FlyPlaceholders *ph, const char *location)
{
	const char *files = NULL;
	char	   *dir = xstrdup(location);
	bool		any = false;

	for (int i = 0; i < opt_n; i++)
		if (strcasecmp(opt_keys[i], "flyway.configFiles") == 0)
			files = opt_values[i];
	if (files)
	{
		char	   *list = xstrdup(files);

		for (char *f = strtok(list, ","); f; f = strtok(NULL, ","))
			if (!read_config(ph, f))
				return false;
		free(list);
		return true;
	}
	for (int level = 0; level <= 5 && !any; level++)
	{
		static const char *const names[] = {"flyway.conf", "flyway.toml", "conf/flyway.conf", "conf/flyway.toml"};
		char	   *up;

		for (int k = 0; k < 4; k++)
		{
			char	   *found;

			if (config_in(dir, names[k], &found))
			{
				if (!read_config(ph, found))
					return false;
				any = true;
			}
		}
		up = xmalloc(strlen(dir) + 4);
		sprintf(up, "%s/..", dir);
		free(dir);
		dir = up;
	}
	free(dir);
	for (int k = 0; k < 2 && !any; k++)
	{
		char	   *found;

		if (config_in(".", k == 0 ? "flyway.conf" : "flyway.toml", &found) && !read_config(ph, found))
			return false;
	}
	return true;
}

/* FLYWAY_* environment variables (see the header) into ph. */
static void
read_environment(FlyPlaceholders *ph)
{
	static const char *const vars[][2] = {{"FLYWAY_PLACEHOLDER_REPLACEMENT", "flyway.placeholderReplacement"},
		{"FLYWAY_PLACEHOLDER_PREFIX", "flyway.placeholderPrefix"}, {"FLYWAY_PLACEHOLDER_SUFFIX", "flyway.placeholderSuffix"},
		{"FLYWAY_DEFAULT_SCHEMA", "flyway.defaultSchema"}, {"FLYWAY_SCHEMAS", "flyway.schemas"},
		{"FLYWAY_USER", "flyway.user"}, {"FLYWAY_URL", "flyway.url"}, {"FLYWAY_TABLE", "flyway.table"},
	{"FLYWAY_ENVIRONMENT", "flyway.environment"}};

	for (int i = 0; i < 9; i++)
		if (getenv(vars[i][0]))
			set_value(&ph->keys, &ph->values, &ph->n, vars[i][1], getenv(vars[i][0]));
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "FLYWAY_PLACEHOLDERS_", 20) == 0 && strchr(*e, '='))
		{
			const char *eq = strchr(*e, '=');
			char	   *key = xmalloc(strlen(*e) + 32);

			sprintf(key, "flyway.placeholders.%.*s", (int) (eq - (*e + 20)), *e + 20);
			set_value(&ph->keys, &ph->values, &ph->n, key, eq + 1);
			free(key);
		}
}

/*
 * The placeholder settings of a Flyway location (config files, environment,
 * command line); NULL after an error naming the file.
 */
FlyPlaceholders *
flyway_placeholders(const char *location)
{
	FlyPlaceholders *ph = xmalloc(sizeof(FlyPlaceholders));
	time_t		now = time(NULL);
	char		buf[4096];

	memset(ph, 0, sizeof(*ph));
	if (!read_configs(ph, location))
		return NULL;
	read_environment(ph);
	for (int i = 0; i < opt_n; i++)
		set_value(&ph->keys, &ph->values, &ph->n, opt_keys[i], opt_values[i]);
	strftime(ph->timestamp, sizeof(ph->timestamp), "%Y-%m-%d %H:%M:%S", localtime(&now));
	ph->cwd = xstrdup(getcwd(buf, sizeof(buf)) ? buf : ".");
	return ph;
}

/* A setting of the configured environment (environments.<env>.<what>), or NULL. */
static const char *
env_value(const FlyPlaceholders *ph, const char *what)
{
	const char *env = get_value(ph, "flyway.environment");
	char		key[256];

	snprintf(key, sizeof(key), "environments.%s.%s", env ? env : "default", what);
	return get_value(ph, key);
}

/* The database name in a JDBC URL (jdbc:postgresql://host:port/db?...), malloc'ed, or NULL. */
static char *
url_database(const char *url)
{
	const char *p = strstr(url, "//"), *end;

	if (p)
		p = strchr(p + 2, '/');
	else if (strncmp(url, "jdbc:postgresql:", 16) == 0)
		p = url + 15;
	if (p == NULL || p[1] == '\0')
		return NULL;
	p++;
	end = p + strcspn(p, "?;");
	return end > p ? trimmed(p, (size_t) (end - p)) : NULL;
}

/*
 * The value of a Flyway default placeholder (name without "flyway:"),
 * malloc'ed, or NULL when it has none (unknown, or not configured).
 */
static char *
default_value(const FlyPlaceholders *ph, const char *name, const char *file_name)
{
	const char *v;

	if (strcasecmp(name, "defaultSchema") == 0)
	{
		if ((v = get_value(ph, "flyway.defaultSchema")) != NULL)
			return xstrdup(v);
		if ((v = get_value(ph, "flyway.schemas")) != NULL && *v)
			return trimmed(v, strcspn(v, ","));
		return xstrdup("public");
	}
	if (strcasecmp(name, "user") == 0)
		return (v = get_value(ph, "flyway.user")) || (v = env_value(ph, "user")) ? xstrdup(v) : NULL;
	if (strcasecmp(name, "database") == 0)
		return (v = get_value(ph, "flyway.url")) || (v = env_value(ph, "url")) ? url_database(v) : NULL;
	if (strcasecmp(name, "timestamp") == 0)
		return xstrdup(ph->timestamp);
	if (strcasecmp(name, "filename") == 0)
		return xstrdup(file_name);
	if (strcasecmp(name, "workingDirectory") == 0)
		return xstrdup(ph->cwd);
	if (strcasecmp(name, "table") == 0)
		return xstrdup((v = get_value(ph, "flyway.table")) ? v : "flyway_schema_history");
	if (strcasecmp(name, "environment") == 0)
		return xstrdup((v = get_value(ph, "flyway.environment")) ? v : "default");
	return NULL;
}

/*
 * text with its placeholders replaced (malloc'ed); NULL after an error naming
 * path, the line and the placeholder.  file_name is the script's file name
 * (${flyway:filename}).
 */
char *
flyway_replace(const FlyPlaceholders *ph, const char *path, const char *file_name, const char *text)
{
	const char *repl = get_value(ph, "flyway.placeholderReplacement");
	const char *prefix = get_value(ph, "flyway.placeholderPrefix");
	const char *suffix = get_value(ph, "flyway.placeholderSuffix");
	size_t		cap = strlen(text) * 2 + 64, len = 0;
	char	   *out = xmalloc(cap);
	const char *p = text;

	if (repl && strcasecmp(repl, "false") == 0)
		return xstrdup(text);
	if (prefix == NULL || *prefix == '\0')
		prefix = "${";
	if (suffix == NULL || *suffix == '\0')
		suffix = "}";
	while (*p)
	{
		const char *start = strstr(p, prefix), *end;
		char	   *name, *value = NULL, *key;
		size_t		need;

		end = start ? strstr(start + strlen(prefix), suffix) : NULL;
		if (start == NULL || end == NULL)
			start = end = p + strlen(p);
		need = len + (size_t) (start - p) + 1;
		if (need > cap)
			out = xrealloc_copy(out, len, cap = need * 2);
		memcpy(out + len, p, (size_t) (start - p));
		len += (size_t) (start - p);
		if (*start == '\0')
			break;
		name = trimmed(start + strlen(prefix), (size_t) (end - start - strlen(prefix)));
		key = xmalloc(strlen(name) + 32);
		sprintf(key, "flyway.placeholders.%s", name);
		if (get_value(ph, key))
			value = xstrdup(get_value(ph, key));
		else if (strncasecmp(name, "flyway:", 7) == 0)
			value = default_value(ph, name + 7, file_name);
		if (value == NULL)
		{
			int			line = 1;

			for (const char *c = text; c < start; c++)
				line += *c == '\n';
			imp_error(path, line, "no value for placeholder %s%s%s", prefix, name, suffix);
			if (strncasecmp(name, "flyway:", 7) == 0)
				fprintf(stderr, "hint: give it with --placeholder %s=VALUE (or flyway.%s in flyway.conf)\n",
						name, name + 7);
			else
				fprintf(stderr, "hint: give it with --placeholder %s=VALUE, -placeholders.%s=VALUE or "
						"flyway.placeholders.%s=VALUE in flyway.conf; -placeholderReplacement=false keeps "
						"placeholders as they are\n", name, name, name);
			return NULL;
		}
		need = len + strlen(value) + 1;
		if (need > cap)
			out = xrealloc_copy(out, len, cap = need * 2);
		memcpy(out + len, value, strlen(value));
		len += strlen(value);
		free(value);
		free(key);
		free(name);
		p = end + strlen(suffix);
	}
	out[len] = '\0';
	return out;
}
