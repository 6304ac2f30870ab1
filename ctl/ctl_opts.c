/*
 * NAME
 *	ctl_opts - the options and JSON output every command shares
 * DESCRIPTION
 *	A command's options follow its fixed words as "--flag value" pairs,
 *	in any order; "--json" is the one flag without a value, and asks for
 *	one line of compact JSON instead of the table.
 * SEE ALSO
 *	tenantctl(1)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* jstr - a string member, "" if absent */
const char *
jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* ctl_print_json - one compact line; releases o */
void
ctl_print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	puts(s ? s : "null");
	free(s);
	json_decref(o);
}

/* ctl_opt - the value of --flag after argv[from], or NULL */
const char *
ctl_opt(int argc, char **argv, int from, const char *name)
{
	for (int i = from; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			continue; /* the one flag without a value */
		if (i + 1 < argc && strcmp(argv[i], name) == 0)
			return argv[i + 1];
		i++; /* a value is never taken for a flag */
	}
	return NULL;
}

/* ctl_opts_known - 1 if every flag after argv[from] is known and has its value */
int
ctl_opts_known(int argc, char **argv, int from, const char *const *known)
{
	for (int i = from; i < argc; i++) {
		int ok = 0;
		if (strcmp(argv[i], "--json") == 0)
			continue;
		for (int k = 0; known[k]; k++)
			ok |= strcmp(argv[i], known[k]) == 0 && i + 1 < argc;
		if (!ok)
			return 0;
		i++;
	}
	return 1;
}

/* ctl_has_json - is --json among the arguments */
int
ctl_has_json(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0)
			return 1;
	return 0;
}
