/*
 * check_corpus - real bounces: the labelled corpus of tests/fixtures/corpus
 * (four public collections, every labelled recipient and every known
 * deviation asserted, the suppression decisions held to their bars), and
 * the layouts found in real bounces, each as a message of its own:
 * malformed recipients and MIME, Microsoft's JMRP complaints, a bounce
 * forwarded by a person. The rules themselves: check_bounce.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tm_bounce.h"
#include "tm_dsn.h"
#define SUITE_NAME "corpus"
#include "check_main.h"

#include "check_rules.h"

/*
 * Malformed recipients and MIME, as real bounces carry them: a source-routed
 * Final-Recipient is its mailbox; "@domain" names none, so the text's
 * address stands; a multipart whose boundary never appears is read as text;
 * the original's Message-ID and From quoted in a text bounce are no
 * recipients; a bullet "-- x@y" and "RCPT TO: x@y" are.
 */
static const struct {
	const char *msg;
	const char *rcpt; /* the one recipient reported */
	const char *reason;
} malformed[] = {
    {"From: MAILER-DAEMON@relay.example\nTo: s@sender.example\nContent-Type: multipart/report; report-type=delivery-status; "
     "boundary=\"b\"\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; relay.example\n\n"
     "Final-Recipient: rfc822; @hop.example,@hop2.example:user@dest.example\nAction: failed\nStatus: 5.1.1\n"
     "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n--b--\n",
     "user@dest.example", "user-unknown"},
    {"From: MAILER-DAEMON@relay.example\nTo: s@sender.example\nSubject: Returned mail: see transcript\n"
     "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\n\n"
     "   ----- Transcript of session follows -----\n550 5.1.2 <user@dest.example>... Host unknown (Name server: "
     "dest.example: host not found)\n\n--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: RFC822; "
     "@mx.dest.example\nAction: failed\nStatus: 5.1.2\n\n--b--\n",
     "user@dest.example", "host-unknown"},
    {"From: MAILER-DAEMON@relay.example\nTo: s@sender.example\nSubject: Undelivered Mail Returned to Sender\n"
     "Content-Type: multipart/report; report-type=delivery-status; boundary=\"declared\"\n\nThis is a MIME message.\n\n"
     "--other\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; gone@dest.example\nAction: failed\n"
     "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 The email account that you tried to reach does not exist\n\n--other--\n",
     "gone@dest.example", "user-unknown"},
    {"From: postmaster@dest.example\nTo: s@sender.example\nSubject: Email Delivery Failure\n\n"
     "An email that you attempted to send to the following address could not be delivered:\n-- gone@dest.example\n\n"
     "The problem appears to be :\n-- 550 5.1.1 User unknown\n\nMessage-ID: <1234.abcd@sender.example>\n"
     "From: Someone <someone@sender.example>\n",
     "gone@dest.example", "user-unknown"},
    {"From: post_master@dest.example\nTo: s@sender.example\nSubject: Re: hello\n\nError: Invalid user address\n\n"
     "Error message below:\n550 - Requested action not taken: no such user here\n\nMessage details:\n"
     "  MAIL FROM: s@sender.example\n  RCPT TO: gone@dest.example\n",
     "gone@dest.example", "user-unknown"},
    /* Sendmail's Status 5.1.1 for any 550: the reply's own words decide, and they prove nothing */
    {"From: MAILER-DAEMON@relay.example\nTo: s@sender.example\nContent-Type: multipart/report; report-type=delivery-status; "
     "boundary=\"b\"\n\n--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: RFC822; maybe@dest.example\n"
     "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: SMTP; 550 Requested action not taken: mailbox unavailable\n\n--b--\n",
     "maybe@dest.example", "unknown"},
    /* the receiving server's own code beats the Status the reporting MTA wrote */
    {"From: MAILER-DAEMON@relay.example\nTo: s@sender.example\nContent-Type: multipart/report; report-type=delivery-status; "
     "boundary=\"b\"\n\n--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: RFC822; maybe@dest.example\n"
     "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: SMTP; 550 #5.1.0 Address rejected\n\n--b--\n",
     "maybe@dest.example", "unknown"},
    /* but an expiry is the reporting MTA's own word, whatever the last reply was */
    {"From: MAILER-DAEMON@relay.example\nTo: s@sender.example\nContent-Type: multipart/report; report-type=delivery-status; "
     "boundary=\"b\"\n\n--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: RFC822; slow@dest.example\n"
     "Action: failed\nStatus: 4.4.7\nDiagnostic-Code: SMTP; 450 4.7.1 Client host rejected: try later\n\n--b--\n",
     "slow@dest.example", "expired"},
    /* a gateway's notice that wraps the real bounce as an attached message */
    {"From: Mail Delivery Subsystem <MAILER-DAEMON@gw.example>\nTo: s@sender.example\nSubject: Returned mail: User unknown\n"
     "Content-Type: multipart/mixed; boundary=\"o\"\n\n--o\nContent-Type: text/plain\n\n"
     "----- The following addresses had permanent delivery errors -----\n\n--o\nContent-Type: message/rfc822\n\n"
     "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.dest.example>\nTo: s@sender.example\nSubject: Returned mail: User unknown\n"
     "Content-Type: multipart/report; report-type=delivery-status; boundary=\"i\"\n\n--i\n"
     "Content-Type: message/delivery-status\n\nFinal-Recipient: RFC822; gone@dest.example\nAction: failed\nStatus: 5.1.1\n"
     "Diagnostic-Code: SMTP; 550 5.1.1 <gone@dest.example>... User unknown\n\n--i--\n\n--o--\n",
     "gone@dest.example", "user-unknown"},
    /* a sender who mailed itself: the bounce's own To is the recipient when no other is named */
    {"From: MAILER-DAEMON@dest.example\nTo: self@dest.example\nSubject: failure notice\n\nHi. This is the qmail-send program.\n\n"
     "<self@dest.example>:\nRemote host said: 552 Error: disk quota exceeded\n",
     "self@dest.example", "mailbox-full"},
    /* Exchange 2000's quoted address: the quotes are not part of it */
    {"From: postmaster@dest.example\nTo: s@sender.example\nSubject: Undeliverable: test\n\nThe following recipient(s) could not "
     "be reached:\n\n      'jsmith@dest.example' on 1/1/2004 10:00 AM\n            The e-mail address could not be found.\n"
     "            <mail.dest.example #5.1.1>\n",
     "jsmith@dest.example", "user-unknown"},
    /* Sendmail keeps the first line of a multi-line reply in the Diagnostic-Code; its transcript has the rest */
    {"From: MAILER-DAEMON@relay.example\nTo: s@sender.example\nSubject: Returned mail: see transcript for details\n"
     "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\n\n"
     "   ----- The following addresses had permanent fatal errors -----\n<x@dest.example>\n"
     "    (reason: 550-5.2.2 The email account that you tried to reach is)\n\n   ----- Transcript of session follows -----\n"
     "... while talking to mx.dest.example.:\n>>> DATA\n<<< 550-5.2.2 The email account that you tried to reach is\n"
     "<<< 550-5.2.2 over quota. Please direct the recipient to\n<<< 550 5.2.2 https://support.example/quota\n\n--b\n"
     "Content-Type: message/delivery-status\n\nFinal-Recipient: RFC822; x@dest.example\nAction: failed\nStatus: 5.0.0\n"
     "Diagnostic-Code: SMTP; 550-5.2.2 The email account that you tried to reach is\n\n--b--\n",
     "x@dest.example", "mailbox-full"},
    /* a text bounce's codes are those of the words read: a "Size (in bytes): 222" after the address is no reply */
    {"From: post_master@dest.example\nTo: s@sender.example\nSubject: Re: hello\n\nError: Invalid user address\n\n"
     "Error message below:\n550 - Requested action not taken: no such user here\n\nMessage details:\n"
     "  RCPT TO: gone@dest.example\n  Size (in bytes): 222\n",
     "gone@dest.example", "user-unknown"},
    /* an Action with Sendmail's comment after its word */
    {"From: MAILER-DAEMON@relay.example\nTo: s@sender.example\nSubject: Return receipt\nContent-Type: multipart/report; "
     "report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: RFC822; "
     "ok@dest.example\nAction: relayed (to non-DSN-aware mailer)\nStatus: 2.1.5\n\n--b--\n",
     "ok@dest.example", "delivered"},
    /* a feedback report's Original-Rcpt-To with a display name (Comcast) */
    {"From: fbl@comcast.example\nTo: fbl@relay.example\nContent-Type: multipart/report; report-type=feedback-report; "
     "boundary=\"b\"\n\n--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n"
     "Original-Rcpt-To: undisclosed comcast recipient <redacted@comcast.example>\n\n--b--\n",
     "redacted@comcast.example", "feedback-abuse"},
    /* JMRP's older form: the complained-of message itself, Return-Path staff@hotmail.com */
    {"Return-Path: staff@hotmail.com\nX-HmXmrOriginalRecipient: complainer@hotmail.example\nFrom: news@tenant.example\n"
     "To: complainer@hotmail.example\nSubject: offer\n\nbody\n",
     "complainer@hotmail.example", "feedback-abuse"},
};

START_TEST(malformed_reports)
{
	DSN_REPORT r;

	dsn_parse(malformed[_i].msg, strlen(malformed[_i].msg), rules, &r);
	ck_assert_msg(r.n == 1, "case %d: %zu recipients", _i, r.n);
	ck_assert_str_eq(r.r[0].recipient, malformed[_i].rcpt);
	ck_assert_str_eq(r.r[0].reason, malformed[_i].reason);
	dsn_report_clear(&r);
}
END_TEST

/* Microsoft's JMRP: a complaint, the complainant in the returned original's X-HmXmrOriginalRecipient */
START_TEST(jmrp_complaint)
{
	static const char msg[] = "From: staff@hotmail.com\nTo: fbl@relay.example\nSubject: complaint about message from "
				  "192.0.2.1\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: message/rfc822\n\n"
				  "X-HmXmrOriginalRecipient: <complainer@hotmail.example>\nFrom: news@tenant.example\n"
				  "To: complainer@hotmail.example\nSubject: offer\n\nbody\n--b--\n";
	DSN_REPORT r;

	dsn_parse(msg, strlen(msg), rules, &r);
	ck_assert_int_eq(r.kind, DSN_ARF);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.r[0].recipient, "complainer@hotmail.example");
	ck_assert_int_eq(r.r[0].category, BC_COMPLAINT);
	dsn_report_clear(&r);
	/* the same original, from anyone else and without the subject: no complaint */
	{
		char *other = strdup(msg);
		memcpy(strstr(other, "staff@hotmail.com"), "staff@example.org", 17);
		memcpy(strstr(other, "complaint about"), "Fwd: some about", 15);
		dsn_parse(other, strlen(other), rules, &r);
		ck_assert_int_ne(r.kind, DSN_ARF);
		for (size_t i = 0; i < r.n; i++)
			ck_assert_int_ne(r.r[i].category, BC_COMPLAINT);
		dsn_report_clear(&r);
		free(other);
	}
}
END_TEST

/* a person forwarding an old bounce ("Fwd: Returned mail", German "WG:", French "TR:", Spanish "RV:", Portuguese "ENC:") reports nothing */
START_TEST(forwarded_by_a_person)
{
	static const char *const prefixes[] = {"Fwd:", "FW:", "WG:", "TR:", "RV:", "Enc:"};
	char msg[512];
	DSN_REPORT r;

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		snprintf(msg, sizeof(msg), "From: Alice <alice@sender.example>\nTo: ops@sender.example\nSubject: %s Returned mail: "
			 "see transcript for details\n\nFYI\n\n> ----- The following addresses had permanent fatal errors "
			 "-----\n> <gone@dest.example>\n>     (reason: 550 5.1.1 User unknown)\n", prefixes[i]);
		dsn_parse(msg, strlen(msg), rules, &r);
		ck_assert_msg(r.kind == DSN_NONE && r.n == 0, "%s: kind %d, %zu recipients", prefixes[i], r.kind, r.n);
		dsn_report_clear(&r);
	}
}
END_TEST

/* one_rcpt - msg names exactly rcpt, with reason (NULL: any) and category cat */
static void
one_rcpt(const char *msg, const char *rcpt, const char *reason, int cat)
{
	DSN_REPORT r;

	dsn_parse(msg, strlen(msg), rules, &r);
	ck_assert_msg(r.n == 1, "%zu recipients, not 1 (%s)", r.n, rcpt);
	ck_assert_str_eq(r.r[0].recipient, rcpt);
	ck_assert_msg(reason == NULL || strcmp(r.r[0].reason, reason) == 0, "%s: %s, not %s", rcpt, r.r[0].reason, reason);
	ck_assert_msg(r.r[0].category == cat, "%s: %s", rcpt, bounce_category_name(r.r[0].category));
	dsn_report_clear(&r);
}

/*
 * A postmaster's notice that names the recipient quoted, alone on its line,
 * and quotes the original after "The first 50 lines of your original message
 * follow:" with "> " before each line: the recipient is the quoted one, and
 * the original's headers (a spam filter's "X-Spam:") are not the reason.
 */
START_TEST(quoted_alone_and_quoted_original)
{
	static const char msg[] =
	    "From: Postmaster@dest.example\nTo: news@sender.example\nSubject: Mail Delivery Failure\n\n"
	    "Delivery of email to this address\n\n\"full@dest.example\"\n\nhas failed due to a full mailbox.  We have "
	    "already made numerous\nattempts to deliver this message over the last few days.\n\n"
	    "The first 50 lines of your original message follow:> Received: from mx.sender.example\n"
	    ">       for <full@dest.example>; Sun, 31 Jan 2010 02:17:45 +0100\n"
	    "> X-Spam: [F=0.2; B=0.500(0)]\n> X-Spam-Status: spam, blocked\n> Subject: hi\n>\n> hello\n";

	/* no marker: the original quoted line by line after the notice, "> Received:" first */
	static const char bare[] =
	    "From: Postmaster@dest.example\nTo: news@sender.example\nSubject: Mail Delivery Failure\n\n"
	    "Delivery of email to this address\n\n\"full@dest.example\"\n\nhas failed due to a full mailbox.\n\n"
	    "> Received: from mx.sender.example\n>       for <other@dest.example>; Sun, 31 Jan 2010 02:17:45 +0100\n"
	    "> X-Spam-Status: spam, blocked\n> Subject: hi\n";
	/* a sentence names the recipient; a contact address quoted alone below is no recipient */
	static const char contact[] =
	    "From: Postmaster@dest.example\nTo: news@sender.example\nSubject: Mail Delivery Failure\n\n"
	    "Your message to gone@dest.example could not be delivered: user unknown.\n\nQuestions? Write to\n"
	    "\"helpdesk@dest.example\"\n";

	one_rcpt(msg, "full@dest.example", "mailbox-full", BC_SOFT);
	one_rcpt(bare, "full@dest.example", "mailbox-full", BC_SOFT);
	one_rcpt(contact, "gone@dest.example", "user-unknown", BC_HARD);
}
END_TEST

/*
 * Exim's sender check after DATA, "553 sender.example does not exist", names
 * the sender's own domain (the bounce goes to the sender): not the
 * recipient's, so no one is suppressed for it; the same words naming the
 * recipient's domain, or a domain that only ends like the sender's, are.
 */
START_TEST(sender_domain_missing)
{
	static const char fmt[] =
	    "From: Mail Delivery System <Mailer-Daemon@relay.example>\nTo: news@sender.example\n"
	    "Subject: Mail delivery failed: returning message to sender\nX-Failed-Recipients: gone@dest.example\n\n"
	    "This message was created automatically by mail delivery software.\n\n"
	    "A message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. "
	    "The following address(es) failed:\n\n  gone@dest.example\n    host mx.dest.example [192.0.2.22]\n"
	    "    SMTP error from remote mail server after end of data:\n    553 %s does not exist\n";
	static const struct {
		const char *named, *reason;
		int cat;
	} cases[] = {{"sender.example", "authentication", BC_BLOCK},
		     {"<news@sender.example>", "authentication", BC_BLOCK},
		     {"dest.example", "user-unknown", BC_HARD},
		     {"mysender.example", "user-unknown", BC_HARD},
		     {"sender.example.net", "user-unknown", BC_HARD}};
	char msg[1024], *to;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(msg, sizeof(msg), fmt, cases[i].named);
		one_rcpt(msg, "gone@dest.example", cases[i].reason, cases[i].cat);
	}
	/* the sender in the recipient's own domain: the words may be about the recipient's, so they stand */
	snprintf(msg, sizeof(msg), fmt, "dest.example");
	to = strstr(msg, "To: news@sender.example");
	memcpy(to, "To: news@dest.example  ", 23);
	one_rcpt(msg, "gone@dest.example", "user-unknown", BC_HARD);
}
END_TEST

/*
 * A vacation reply that a daemon relays (Amazon SES sends recipients' auto-
 * replies on from MAILER-DAEMON@amazonses.com) is an auto-reply, not a bounce
 * that names no one; a bounce with only Postfix's "Auto-Submitted:
 * auto-replied" is still read as a bounce.
 */
START_TEST(vacation_from_a_daemon)
{
	static const char ooo[] = "From: MAILER-DAEMON@amazonses.com\nTo: bounces@sender.example\n"
				  "Subject: Out of Office Re: Scheduled report\nX-Autoreply: yes\n"
				  "Auto-Submitted: auto-replied\n\nPlease send all questions to Jared.\n";
	static const char pf[] = "From: MAILER-DAEMON@relay.example (Mail Delivery System)\nTo: news@sender.example\n"
				 "Subject: Undelivered Mail Returned to Sender\nAuto-Submitted: auto-replied\n\n"
				 "<gone@dest.example>: host mx.dest.example[192.0.2.1] said: 550 5.1.1 <gone@dest.example>: "
				 "Recipient address rejected: User unknown in local recipient table\n";
	DSN_REPORT r;

	dsn_parse(ooo, strlen(ooo), rules, &r);
	ck_assert_int_eq(r.kind, DSN_AUTOREPLY);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_int_eq(r.r[0].category, BC_AUTOREPLY);
	dsn_report_clear(&r);
	one_rcpt(pf, "gone@dest.example", "user-unknown", BC_HARD);
}
END_TEST

/*
 * An ARF report whose complainant the provider redacted (no Original-Rcpt-To,
 * the original "To: undisclosed-recipients:;") is a complaint about no one:
 * no recipient, its verdict in unnamed. One that names the complainant has
 * no unnamed verdict.
 */
START_TEST(redacted_complaint)
{
	static const char fmt[] =
	    "From: <feedback@fbl.example>\nTo: <fbl@relay.example>\nSubject: Abuse report\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=feedback-report; boundary=\"p\"\n\n--p\n"
	    "Content-Type: text/plain\n\nAn abuse report.\n--p\nContent-Type: message/feedback-report\n\n"
	    "Feedback-Type: %s\nVersion: 1\n%s\n--p\nContent-Type: message/rfc822\n\n"
	    "From: <news@acme.example>\nTo: %s\nSubject: offer\n\nbuy\n--p--\n";
	char msg[1024];
	DSN_REPORT r;

	snprintf(msg, sizeof(msg), fmt, "abuse", "", "undisclosed-recipients:;");
	dsn_parse(msg, strlen(msg), rules, &r);
	ck_assert_int_eq(r.kind, DSN_ARF);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_ptr_nonnull(r.unnamed);
	ck_assert_ptr_null(r.unnamed->recipient);
	ck_assert_str_eq(r.unnamed->reason, "feedback-abuse");
	ck_assert_int_eq(r.unnamed->category, BC_COMPLAINT);
	dsn_report_clear(&r);
	snprintf(msg, sizeof(msg), fmt, "opt-out", "", "\"undisclosed Terra recipient\"");
	dsn_parse(msg, strlen(msg), rules, &r);
	ck_assert_ptr_nonnull(r.unnamed);
	ck_assert_int_eq(r.unnamed->category, BC_UNSUBSCRIBE);
	dsn_report_clear(&r);
	snprintf(msg, sizeof(msg), fmt, "abuse", "Original-Rcpt-To: <angry@dest.example>", "<angry@dest.example>");
	dsn_parse(msg, strlen(msg), rules, &r);
	ck_assert_ptr_null(r.unnamed);
	dsn_report_clear(&r);
	one_rcpt(msg, "angry@dest.example", "feedback-abuse", BC_COMPLAINT);
}
END_TEST

/*
 * A bounce without a bounce's headers (a no-reply sender, a subject in a
 * language the list lacks) is still read when it returns the original and
 * says it was not delivered; without the original, or as a person's
 * "Fwd:", the same words report nothing.
 */
START_TEST(bounce_by_its_words)
{
	static const char head[] = "From: no-reply@notice.example\nTo: <bounces@sender.example>\nSubject: Notice\n"
				   "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n"
				   "Your mail sent on: Thu, 29 Apr 2013 23:45:22 +0900\n     Could not be delivered to: <gone@dest.example>\n"
				   "     As their mailbox is full.\n\n";
	static const char orig[] = "--b\nContent-Type: message/rfc822\n\nFrom: a@sender.example\nTo: gone@dest.example\nSubject: hi\n\nhello\n--b--\n";
	char msg[2048];
	DSN_REPORT r;

	snprintf(msg, sizeof(msg), "%s%s", head, orig);
	dsn_parse(msg, strlen(msg), rules, &r);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.r[0].recipient, "gone@dest.example");
	ck_assert_str_eq(r.r[0].reason, "mailbox-full");
	ck_assert_int_eq(r.r[0].category, BC_SOFT);
	dsn_report_clear(&r);

	snprintf(msg, sizeof(msg), "%s--b--\n", head); /* no original returned: a message that talks of delivery */
	dsn_parse(msg, strlen(msg), rules, &r);
	ck_assert_uint_eq(r.n, 0);
	dsn_report_clear(&r);

	snprintf(msg, sizeof(msg), "%s%s", head, orig); /* a person forwarding it */
	memcpy(strstr(msg, "Notice"), "Fwd: N", 6);
	memcpy(msg + 6, "alice@sender.example   ", 23);
	dsn_parse(msg, strlen(msg), rules, &r);
	ck_assert_uint_eq(r.n, 0);
	dsn_report_clear(&r);
}
END_TEST

/*
 * Each recipient's words are its own: Exim's X-Failed-Recipients in a
 * bounce that lists them twice (Mail.Ru: Russian, then English), and
 * Sendmail v5's "554 <x@y>... reason" lines, where the next line is about
 * the next recipient's host.
 */
START_TEST(words_of_each_recipient)
{
	static const char exim[] =
	    "From: mailer-daemon@mx.example.ru\nTo: a@sender.example\nSubject: Mail failure.\n"
	    "X-Failed-Recipients: full@dest.example,\n  gone@dest.example\n\n"
	    "  full@dest.example\n    SMTP error from remote mail server after RCPT TO:<full@dest.example>:\n"
	    "    host mx.dest.example [192.0.2.12]: 550 5.2.2 <full@dest.example>... Mailbox Full\n"
	    "  gone@dest.example\n    SMTP error from remote mail server after RCPT TO:<gone@dest.example>:\n"
	    "    host mx.dest.example [192.0.2.12]: 550 5.2.1 <gone@dest.example>... User Unknown\n\n"
	    "A message that you sent could not be delivered to one or more of its\nrecipients. The following address(es) failed:\n\n"
	    "  full@dest.example\n    host mx.dest.example [192.0.2.12]: 550 5.2.2 <full@dest.example>... Mailbox Full\n"
	    "  gone@dest.example\n    host mx.dest.example [192.0.2.12]: 550 5.2.1 <gone@dest.example>... User Unknown\n";
	static const char v5[] = "From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example>\nTo: a@sender.example\n"
				 "Subject: Returned mail: Host unknown\n\n   ----- Transcript of session follows -----\n"
				 "554 <someone@edu.example>... Remote protocol error: Connection reset by peer\n"
				 "550 nohost.example (smtp)... 550 Host unknown\n"
				 "554 <x@nohost.example>... 550 Host unknown (Authoritative answer from name server)\n";
	/* "jbob@" is not "bob@"; the list first, then each one's reason */
	static const char listed[] =
	    "From: mailer-daemon@mx.example\nTo: a@sender.example\nSubject: Mail delivery failed\n"
	    "X-Failed-Recipients: bob@dest.example, jbob@dest.example\n\n"
	    "The following address(es) failed:\n\n  jbob@dest.example\n  bob@dest.example\n\n"
	    "Reasons:\n  jbob@dest.example: 552 5.2.2 Mailbox full, quota exceeded\n"
	    "  bob@dest.example: 550 5.1.1 No such user here\n";
	DSN_REPORT r;

	dsn_parse(listed, strlen(listed), rules, &r);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_str_eq(r.r[0].recipient, "bob@dest.example");
	ck_assert_str_eq(r.r[0].reason, "user-unknown");
	ck_assert_int_eq(r.r[0].category, BC_HARD);
	ck_assert_str_eq(r.r[1].recipient, "jbob@dest.example");
	ck_assert_str_eq(r.r[1].reason, "mailbox-full");
	ck_assert_int_eq(r.r[1].category, BC_SOFT);
	dsn_report_clear(&r);

	dsn_parse(exim, strlen(exim), rules, &r);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_str_eq(r.r[0].recipient, "full@dest.example");
	ck_assert_str_eq(r.r[0].reason, "mailbox-full");
	ck_assert_str_eq(r.r[1].recipient, "gone@dest.example");
	ck_assert_str_eq(r.r[1].reason, "user-unknown");
	ck_assert_int_eq(r.r[1].category, BC_HARD);
	dsn_report_clear(&r);

	dsn_parse(v5, strlen(v5), rules, &r);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_str_eq(r.r[0].recipient, "someone@edu.example");
	ck_assert_int_ne(r.r[0].category, BC_HARD);
	ck_assert_str_eq(r.r[1].recipient, "x@nohost.example");
	ck_assert_str_eq(r.r[1].reason, "host-unknown");
	dsn_report_clear(&r);
}
END_TEST

/*
 * Amazon SES notifications mailed by SNS: the bare notification ("email"
 * subscription) and SNS's envelope around it ("email-json"), a bounce
 * with no reply of its own (SES's bounceSubType decides), a transient one,
 * a complaint (a feedback report, for the feedback gate), a line broken
 * with Sendmail's "!\n ", the original's X-Tenant; JSON that is not a
 * notification is no report.
 */
START_TEST(ses_notifications)
{
	static const char head[] = "From: AWS Notifications <no-reply@sns.amazonaws.com>\nTo: bounces@relay.example\n"
				   "Subject: AWS Notification Message\nContent-Type: text/plain; charset=UTF-8\n\n";
	static const struct {
		const char *body, *rcpt, *reason;
		int kind, cat;
	} cases[] = {
	    {"{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bounceSubType\":\"NoEmail\","
	     "\"bouncedRecipients\":[{\"emailAddress\":\"gone@dest.example\"}]},\"mail\":{\"headers\":[{\"name\":\"X-Tenant\","
	     "\"value\":\"acme\"},{\"name\":\"Received\",\"value\":\"from c.example by relay.example (Postfix) with ESMTP "
	     "id 4F2A1C0B7D; Mon, 7 Dec 2026 10:00:00 +0000\"},{\"name\":\"Message-ID\",\"value\":\"<m1@c.example>\"}]}}"
	     "\n\n--\nIf you wish to stop receiving notifications from this topic ...\n",
	     "gone@dest.example", "user-unknown", DSN_DSN, BC_HARD},
	    {"{\n  \"Type\" : \"Notification\",\n  \"Message\" : \"{\\\"notificationType\\\":\\\"Complaint\\\",\\\"complaint\\\":"
	     "{\\\"complainedRecipients\\\":[{\\\"emailAddress\\\":\\\"angry@dest.example\\\"}],\\\"complaintFeedbackType\\\":"
	     "\\\"abuse\\\"}}\"\n}\n",
	     "angry@dest.example", "feedback-abuse", DSN_ARF, BC_COMPLAINT},
	    {"{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Transient\",\"bounceSubType\":\"MailboxFull\","
	     "\"bouncedRecipients\":[{\"emailAddress\":\"full@dest.example\"}]}}\n",
	     "full@dest.example", "mailbox-full", DSN_DSN, BC_SOFT},
	    {"{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bounceSubType\":\"General\","
	     "\"bouncedRecipients\":[{\"emailAddress\":\"spam@dest.example\",\"status\":\"5.7.1\",\"diagnosticCode\":\"smtp; 5!\n 50 5.7.1 "
	     "Message rejected as spam\"}]}}\n",
	     "spam@dest.example", "spam-content", DSN_DSN, BC_BLOCK},
	    /* Transient with no status or code of its own: whatever its words, not final */
	    {"{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Transient\",\"bounceSubType\":\"General\","
	     "\"bouncedRecipients\":[{\"emailAddress\":\"dns@dest.example\",\"diagnosticCode\":\"The domain dest.example couldn't"
	     " be found\"}]}}\n",
	     "dns@dest.example", "host-unknown", DSN_DSN, BC_SOFT},
	    /* a status that is none, and an address with a line break in it: no status, no recipient */
	    {"{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bounceSubType\":\"Suppressed\","
	     "\"bouncedRecipients\":[{\"emailAddress\":\"sup@dest.example\",\"status\":\"5.1.1\\nX\"},"
	     "{\"emailAddress\":\"a@b.example\\r\\nX-Tenant: evil\"}]}}\n",
	     "sup@dest.example", "user-unknown", DSN_DSN, BC_HARD},
	    {"{\"notificationType\":\"Delivery\",\"delivery\":{\"recipients\":[\"ok@dest.example\"]}}\n", NULL, NULL, DSN_NONE, 0},
	    {"{\"bounce\":{\"bouncedRecipients\":[{\"emailAddress\":\"x@dest.example\"}]}}\n", NULL, NULL, DSN_NONE, 0},
	    {"{\"notificationType\":\"Bounce\",\"bounce\":[1,2]}\n", NULL, NULL, DSN_NONE, 0},
	    {"{\"notificationType\":\"Bounce\",\"bounce\":{\"bouncedRecipients\":[{\"emailAddress\":\n", NULL, NULL, DSN_NONE, 0},
	    {"[\"notificationType\"]\n", NULL, NULL, DSN_NONE, 0},
	};
	char msg[4096];
	DSN_REPORT r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(msg, sizeof(msg), "%s%s", head, cases[i].body);
		dsn_parse(msg, strlen(msg), rules, &r);
		ck_assert_msg(r.kind == cases[i].kind, "case %zu: kind %d", i, r.kind);
		if (cases[i].rcpt == NULL) {
			ck_assert_uint_eq(r.n, 0);
		} else {
			ck_assert_uint_eq(r.n, 1);
			ck_assert_str_eq(r.r[0].recipient, cases[i].rcpt);
			ck_assert_str_eq(r.r[0].reason, cases[i].reason);
			ck_assert_int_eq(r.r[0].category, cases[i].cat);
		}
		if (cases[i].rcpt && strcmp(cases[i].rcpt, "sup@dest.example") == 0)
			ck_assert_str_eq(r.r[0].status, "");
		if (i == 0) { /* the JSON's X-Tenant proves nothing; the queue id is for the gate to check */
			ck_assert_ptr_null(r.tenant);
			ck_assert_str_eq(r.message_id, "<m1@c.example>");
			ck_assert_uint_eq(r.nqids, 1);
			ck_assert_str_eq(r.qids[0], "4F2A1C0B7D");
		}
		dsn_report_clear(&r);
	}
}
END_TEST

/*
 * Sisimai's wording for the reasons that are not a missing mailbox
 * (tests/fixtures/corpus/sisimai-phrases.tsv), each under "550 5.1.1": the
 * words decide, so none of them is read as hard - but for four the
 * project reads otherwise, on purpose: a domain that does not exist and
 * Exim's "Unrouteable mail domain" are hard; "verification failure" and
 * "as a relay" alone are too vague to outweigh the code.
 */
START_TEST(sisimai_wording)
{
	static const char *const hard[] = {"hasmoved", "notaccept", NULL};
	static const char *const deliberate[] = {"domain does not exist:", "unrouteable mail domain", "verification failure",
						 "as a relay", NULL};
	size_t len;
	char *data = slurp_in("corpus", "sisimai-phrases.tsv", &len), *save = NULL;
	int n = 0, kept = 0;

	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t'), *phrase;
		int skip = 0;
		BOUNCE_VERDICT v;
		if (*line == '#' || tab == NULL)
			continue;
		*tab = 0;
		phrase = tab + 1;
		for (int i = 0; hard[i]; i++)
			skip |= strcmp(line, hard[i]) == 0;
		for (int i = 0; deliberate[i]; i++)
			if (strcmp(phrase, deliberate[i]) == 0)
				skip = 1, kept++;
		if (skip)
			continue;
		n++;
		bounce_classify(rules, "5.1.1", 550, phrase, &v);
		ck_assert_msg(bounce_reason_category(v.reason) != BC_HARD, "%s \"%s\" under 5.1.1: %s (line %d)", line, phrase,
			      bounce_reason_name(v.reason), v.line);
	}
	ck_assert_int_gt(n, 400);
	ck_assert_int_eq(kept, 4);
	free(data);
}
END_TEST

/*
 * The labelled corpus (tests/fixtures/corpus): every labelled recipient of
 * the four collections gets its label's reason and category, except those
 * the deviations file lists, which get exactly what it says. On
 * bounceparser/, sisimai/, phpbh/ and misc/ (tuned on), at least 97% of the suppression
 * decisions are right and at most 1% of the recipients are wrongly
 * suppressed; flufl/ is held out, so its figures are printed, not held to a
 * bar.
 */
#define CORPUS_MAX 512

typedef struct {
	char *f[5];
} TSV_ROW;

/* tsv_read - the rows of a TAB-separated file (comments and blank lines skipped); how many */
static int
tsv_read(const char *name, TSV_ROW *rows, int max)
{
	size_t len;
	char *data = slurp_in("corpus", name, &len), *save = NULL;
	int n = 0;

	for (char *line = strtok_r(data, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save)) {
		char *p = line;
		if (*line == '#')
			continue;
		for (int k = 0; k < 5; k++) {
			char *tab = strchr(p, '\t');
			ck_assert_msg(tab || k == 4, "%s: a line without 5 fields: %s", name, line);
			if (tab)
				*tab = 0;
			rows[n].f[k] = strdup(p);
			p = tab ? tab + 1 : p + strlen(p);
		}
		n++;
	}
	free(data);
	return n;
}

static int
suppresses(const char *cat)
{
	return strcmp(cat, "hard") == 0 || strcmp(cat, "complaint") == 0 || strcmp(cat, "unsubscribe") == 0;
}

/* corpus_got - what the classifier says of one labelled recipient: reason and category, "-" if not found */
static void
corpus_got(const DSN_REPORT *r, const char *rcpt, const char *cat, const char **greason, const char **gcat)
{
	*greason = *gcat = "-";
	if (strcmp(rcpt, "-") == 0 || strcmp(cat, "auto-reply") == 0 || strcmp(cat, "none") == 0) {
		/* nothing failed: the message's first line says what it is */
		if (r->n > 0) {
			*greason = r->r[0].reason;
			*gcat = bounce_category_name(r->r[0].category);
		} else if (r->unnamed) { /* a complaint whose recipient the provider redacted */
			*greason = r->unnamed->reason;
			*gcat = bounce_category_name(r->unnamed->category);
		} else if (r->kind == DSN_NONE) {
			*greason = "not-bounce";
			*gcat = "none";
		}
		return;
	}
	for (size_t i = 0; i < r->n; i++) /* the Final-Recipient, or the Original-Recipient (the one suppressed) */
		if (strcasecmp(r->r[i].recipient, rcpt) == 0 ||
		    (r->r[i].orig_recipient && strcasecmp(r->r[i].orig_recipient, rcpt) == 0)) {
			*greason = r->r[i].reason;
			*gcat = bounce_category_name(r->r[i].category);
		}
}

/* a site that rewrote the address: the report's Final-Recipient, and the Original-Recipient the sender gave */
START_TEST(original_recipient)
{
	size_t len;
	char *data = slurp_in("corpus", "bounceparser/postfix-orig.msg", &len);
	DSN_REPORT r;

	dsn_parse(data, len, rules, &r);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.r[0].recipient, "final@dest.example.com");
	ck_assert_str_eq(r.r[0].orig_recipient, "original@dest.example.com");
	dsn_report_clear(&r);
	free(data);
}
END_TEST

/* tuned on: bounceparser/, sisimai/, phpbh/ and misc/, held to the bars; flufl/ is held out, its figures printed */
static const char *const corpora[] = {"bounceparser", "flufl", "sisimai", "phpbh", "misc"};
static const int corpus_rows[] = {130, 117, 425, 98, 34}; /* each collection's labelled recipients */

START_TEST(labelled_corpus)
{
	static TSV_ROW labels[CORPUS_MAX], devs[CORPUS_MAX];
	char name[64];
	int nl, nd, right = 0, wrong_supp = 0, missed = 0, used[CORPUS_MAX] = {0};

	snprintf(name, sizeof(name), "%s.labels", corpora[_i]);
	nl = tsv_read(name, labels, CORPUS_MAX);
	nd = tsv_read("deviations", devs, CORPUS_MAX);
	ck_assert_int_eq(nl, corpus_rows[_i]); /* a collection read whole, not a file that lost its lines */
	for (int i = 0; i < nl; i++) {
		const char *file = labels[i].f[0], *rcpt = labels[i].f[1], *reason = labels[i].f[2], *cat = labels[i].f[3];
		const char *greason, *gcat, *want_reason = reason, *want_cat = cat;
		size_t len;
		char *data = slurp_in("corpus", file, &len);
		DSN_REPORT r;
		dsn_parse(data, len, rules, &r);
		corpus_got(&r, rcpt, cat, &greason, &gcat);
		for (int d = 0; d < nd; d++)
			if (strcmp(devs[d].f[0], file) == 0 && strcmp(devs[d].f[1], rcpt) == 0) {
				want_reason = devs[d].f[2];
				want_cat = devs[d].f[3];
				used[d] = 1;
			}
		ck_assert_msg(strcmp(greason, want_reason) == 0 && strcmp(gcat, want_cat) == 0,
			      "%s %s: got %s/%s, expected %s/%s (label %s/%s)", file, rcpt, greason, gcat, want_reason,
			      want_cat, reason, cat);
		right += suppresses(gcat) == suppresses(cat);
		wrong_supp += suppresses(gcat) && !suppresses(cat);
		missed += !suppresses(gcat) && suppresses(cat);
		dsn_report_clear(&r);
		free(data);
	}
	for (int d = 0; d < nd; d++) /* a deviation of this collection that no label names is stale */
		ck_assert_msg(used[d] || strncmp(devs[d].f[0], corpora[_i], strlen(corpora[_i])) != 0,
			      "deviations: %s %s names no labelled recipient", devs[d].f[0], devs[d].f[1]);
	printf("check_corpus: %s: %d labelled recipients, suppression decision right for %d (%.1f%%), %d wrongly "
	       "suppressed, %d missed\n",
	       corpora[_i], nl, right, 100.0 * right / nl, wrong_supp, missed);
	if (strcmp(corpora[_i], "flufl") != 0) {
		/* at most 1%; sisimai/'s 2 of 286 are labels the project disputes - the remote's own
		   "550 5.1.1" is RFC 3463's word that the mailbox does not exist (deviations says so) */
		int max_wrong = nl / 100;
		ck_assert_msg(right * 100 >= nl * 97, "%s: %d of %d right", corpora[_i], right, nl);
		ck_assert_msg(wrong_supp <= max_wrong, "%s: %d wrongly suppressed", corpora[_i], wrong_supp);
	}
	for (int i = 0; i < nl; i++)
		for (int k = 0; k < 5; k++)
			free(labels[i].f[k]);
	for (int d = 0; d < nd; d++)
		for (int k = 0; k < 5; k++)
			free(devs[d].f[k]);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_unchecked_fixture(tc, load_rules, free_rules);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, malformed_reports, 0, sizeof(malformed) / sizeof(malformed[0]));
	tcase_add_test(tc, jmrp_complaint);
	tcase_add_test(tc, forwarded_by_a_person);
	tcase_add_test(tc, bounce_by_its_words);
	tcase_add_test(tc, quoted_alone_and_quoted_original);
	tcase_add_test(tc, vacation_from_a_daemon);
	tcase_add_test(tc, sender_domain_missing);
	tcase_add_test(tc, redacted_complaint);
	tcase_add_test(tc, words_of_each_recipient);
	tcase_add_test(tc, ses_notifications);
	tcase_add_test(tc, sisimai_wording);
	tcase_add_test(tc, original_recipient);
	tcase_add_loop_test(tc, labelled_corpus, 0, sizeof(corpora) / sizeof(corpora[0]));
}
