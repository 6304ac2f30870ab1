/*
 * fuzz_feedback - libFuzzer target over what tenant-feedback reads from
 * strangers: one input is parsed whole as a bounce or report (GMime, then
 * our delivery-status, feedback-report and reply-text code), and line by
 * line as Postfix log records. Built and run by fuzz/run with clang's
 * -fsanitize=fuzzer,address,undefined.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tm_bounce.h"
#include "tm_dsn.h"
#include "tm_maillog.h"
#include "tm_msg.h"

static const BRULES *rules;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	msg_set_level(MSG_ERROR);
	rules = brules_default();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	DSN_REPORT rep;
	const char *p = (const char *)data, *end = p + size;

	dsn_parse(p, size, rules, &rep);
	for (size_t i = 0; i < rep.n; i++) /* every field must be readable */
		if (rep.r[i].recipient == NULL || rep.r[i].reason == NULL ||
		    strlen(rep.r[i].status) >= sizeof(rep.r[i].status))
			__builtin_trap();
	if (rep.unnamed && (rep.n != 0 || rep.unnamed->recipient || rep.unnamed->reason == NULL))
		__builtin_trap(); /* a report naming no one is only that */
	dsn_report_clear(&rep);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		MAILLOG_REC r;
		static const char *const any[] = {"*", NULL}; /* every tag with a '/' */
		int rc = maillog_parse(p, len, NULL, &r);
		if (rc < MAILLOG_MALFORMED || rc > MAILLOG_RECORD)
			__builtin_trap();
		if (rc == MAILLOG_RECORD && (strnlen(r.rcpt, sizeof(r.rcpt)) == sizeof(r.rcpt) ||
					     strnlen(r.text, sizeof(r.text)) == sizeof(r.text) ||
					     strnlen(r.qid, sizeof(r.qid)) == sizeof(r.qid) || *r.rcpt == 0 ||
					     r.status < ML_SENT || r.status > ML_EXPIRED))
			__builtin_trap();
		/* a wider pattern list can only admit more lines, never read one differently */
		if (rc == MAILLOG_RECORD && maillog_parse(p, len, any, &r) != MAILLOG_RECORD)
			__builtin_trap();
		p += len + 1;
	}
	return 0;
}
