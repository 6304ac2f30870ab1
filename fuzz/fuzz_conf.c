/*
 * fuzz_conf - libFuzzer target for the configuration parser: hostile text
 * into conf_parse(). Either it is refused, NULL with an error text of
 * whole "origin:line: reason" lines, or the CONF it gives prints (conf_print)
 * a text that parses again to a CONF printing byte for byte the same: the
 * -p output of a valid file is itself a valid file, meaning the same.
 * Any breach aborts. Built and run by fuzz/run.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_conf.h"
#include "tm_msg.h"
#include "tm_sbuf.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	msg_set_level(MSG_ERROR);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	SBUF *errs = sbuf_new(64), *p1 = sbuf_new(2048), *p2 = sbuf_new(2048);
	CONF *c, *c2;

	memcpy(text, data, size);
	text[size] = 0;
	c = conf_parse("f", text, NULL, 0, errs);
	if (c == NULL) {
		if (errs->len == 0 || strncmp(errs->s, "f:", 2) != 0 ||
		    errs->s[errs->len - 1] != '\n')
			abort();
	} else {
		conf_print(c, p1, 0);
		sbuf_reset(errs);
		c2 = conf_parse("p", sbuf_str(p1), NULL, 0, errs);
		if (c2 == NULL) {
			fprintf(stderr, "conf_print output does not parse: %s", sbuf_str(errs));
			abort();
		}
		conf_print(c2, p2, 0);
		if (p1->len != p2->len || memcmp(p1->s, p2->s, p1->len) != 0)
			abort();
		conf_unref(c2);
		conf_unref(c);
	}
	sbuf_free(errs);
	sbuf_free(p1);
	sbuf_free(p2);
	free(text);
	return 0;
}
