/*
 * check_rules.h - what the bounce suites share: the shipped rules, loaded
 * once per test case (load_rules, free_rules), and slurp_in, a fixture file
 * of tests/fixtures/DIR read whole. Included by one .c each, so its statics
 * are that suite's own.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tm_bounce.h"

static BRULES *rules;

static void
load_rules(void)
{
	SBUF *e = sbuf_new(64);

	rules = brules_load(TOP_SRCDIR "/conf/bounce-rules.conf", e);
	ck_assert_msg(rules != NULL, "%s", sbuf_str(e));
	sbuf_free(e);
}

static void
free_rules(void)
{
	rules = brules_free(rules);
}

/* slurp_in - tests/fixtures/DIR/NAME, whole (owned), its length in *len */
static __attribute__((unused)) char *
slurp_in(const char *dir, const char *name, size_t *len)
{
	char path[512];
	FILE *fp;
	char *buf = malloc(1 << 20);

	snprintf(path, sizeof(path), "%s/tests/fixtures/%s/%s", TOP_SRCDIR, dir, name);
	fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "%s", path);
	*len = fread(buf, 1, (1 << 20) - 1, fp);
	buf[*len] = 0;
	fclose(fp);
	return buf;
}
