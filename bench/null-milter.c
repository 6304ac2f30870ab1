/*
 * null-milter - the cheapest possible libmilter milter, as a benchmark floor:
 * every event is negotiated away except end of message, which is answered
 * "continue". What it costs Postfix is the price of the milter protocol
 * itself, before any milter logic runs.
 *
 *	cc -O2 -o null-milter bench/null-milter.c -lmilter -lpthread
 *	null-milter unix:/path/null.sock
 */
#include <libmilter/mfapi.h>
#include <stdio.h>

static sfsistat
null_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
	       unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
	       unsigned long *pf3)
{
	*pf0 = 0;
	*pf1 = f1 & (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOBODY |
		     SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOUNKNOWN | SMFIP_NODATA);
	*pf2 = *pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
null_eom(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

int
main(int argc, char **argv)
{
	struct smfiDesc d = {.xxfi_name = "null", .xxfi_version = SMFI_VERSION,
			     .xxfi_eom = null_eom, .xxfi_negotiate = null_negotiate};

	if (argc != 2) {
		fprintf(stderr, "usage: null-milter SOCKET\n");
		return 2;
	}
	smfi_setconn(argv[1]);
	smfi_register(d);
	if (smfi_opensocket(1) == MI_FAILURE)
		return 1;
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
