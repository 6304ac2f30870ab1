/*
 * policy-load - drive a Postfix policy service the way many smtpd
 * processes do: C persistent connections, each sending requests one after
 * another and waiting for each answer. Prints requests/s, latency
 * percentiles and the actions received.
 *
 *   policy-load [-c CLIENTS] [-n REQUESTS] [-t TENANTS] SOCKET
 *   policy-load -g SOCKET      send one malformed request; print "closed" or "answered"
 *   policy-load -r FILE SOCKET send FILE as it is; print the answer, or "closed"
 *
 * SOCKET is unix:/path or inet:HOST:PORT (Postfix's notation). Requests look
 * like Postfix's at smtpd_data_restrictions: about 25 attributes, a sender
 * of tenant tK (tK.example), a unique instance.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *spec;
static int nclients = 10, ntenants = 10;
static long nreq = 10000;
static double *lat; /* seconds, one per request */
static long next_req;
static long errors;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char actions[16][96];
static long action_count[16];

static int
dial(void)
{
	int fd, one = 1;

	if (strncmp(spec, "unix:", 5) == 0) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", spec + 5);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
			return -1;
	} else {
		char host[64];
		const char *p = spec + 5, *colon = strrchr(p, ':');
		struct sockaddr_in sin = {.sin_family = AF_INET};
		snprintf(host, sizeof(host), "%.*s", (int)(colon - p), p);
		inet_pton(AF_INET, host, &sin.sin_addr);
		sin.sin_port = htons((unsigned short)atoi(colon + 1));
		fd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			return -1;
	}
	return fd;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
note_action(const char *a)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < 16; i++) {
		if (actions[i][0] == 0)
			snprintf(actions[i], sizeof(actions[i]), "%.90s", a);
		if (strncmp(actions[i], a, 90) == 0) {
			action_count[i]++;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
}

static void *
client(void *arg)
{
	char req[2048], buf[4096];
	int fd = dial();
	(void)arg;

	if (fd < 0) {
		__atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	for (;;) {
		long i = __atomic_fetch_add(&next_req, 1, __ATOMIC_RELAXED);
		int len, got = 0;
		double t0;
		if (i >= nreq)
			break;
		len = snprintf(req, sizeof(req),
			       "request=smtpd_access_policy\nprotocol_state=DATA\nprotocol_name=ESMTP\n"
			       "client_address=198.51.100.%ld\nclient_name=unknown\nclient_port=%ld\n"
			       "reverse_client_name=unknown\nserver_address=127.0.0.1\nserver_port=25\n"
			       "helo_name=app.t%ld.example\nsender=news@t%ld.example\nrecipient=\n"
			       "recipient_count=3\nqueue_id=\nsize=2048\nsasl_method=\nsasl_username=\n"
			       "sasl_sender=\nccert_subject=\nccert_issuer=\nccert_fingerprint=\n"
			       "ccert_pubkey_fingerprint=\nencryption_protocol=\nencryption_cipher=\n"
			       "encryption_keysize=0\netrn_domain=\nstress=\ncompatibility_level=3.6\n"
			       "mail_version=3.7.11\ninstance=%lx.%lx.0\n\n",
			       i % 250 + 1, 40000 + i % 20000, i % ntenants, i % ntenants, i * 2654435761UL, i);
		t0 = now();
		if (write(fd, req, (size_t)len) != len)
			goto broken;
		for (;;) {
			ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - (size_t)got);
			if (r <= 0)
				goto broken;
			got += (int)r;
			buf[got] = 0;
			if (got >= 2 && strstr(buf, "\n\n"))
				break;
		}
		lat[i] = now() - t0;
		*strchr(buf, '\n') = 0;
		note_action(strncmp(buf, "action=", 7) == 0 ? buf + 7 : buf);
	}
	close(fd);
	return NULL;
broken:
	__atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED);
	close(fd);
	return NULL;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int ch, garbage = 0;
	const char *raw = NULL;
	pthread_t *th;
	double t0, t1;
	long done = 0;

	while ((ch = getopt(argc, argv, "c:n:t:gr:")) != -1) {
		switch (ch) {
		case 'c': nclients = atoi(optarg); break;
		case 'n': nreq = atol(optarg); break;
		case 't': ntenants = atoi(optarg); break;
		case 'g': garbage = 1; break;
		case 'r': raw = optarg; break;
		default: fprintf(stderr, "usage: policy-load [-c CLIENTS] [-n REQUESTS] [-t TENANTS] [-g] SOCKET\n"); return 2;
		}
	}
	if (optind != argc - 1)
		return 2;
	spec = argv[optind];
	if (raw) {
		static char data[1 << 20], buf[4096];
		FILE *fp = fopen(raw, "r");
		size_t n = fp ? fread(data, 1, sizeof(data), fp) : 0;
		int fd = dial();
		ssize_t r;
		if (fp)
			fclose(fp);
		if (fd < 0 || write(fd, data, n) != (ssize_t)n)
			return 1;
		r = read(fd, buf, sizeof(buf) - 1);
		if (r <= 0)
			puts("closed");
		else
			printf("%.*s\n", (int)r, buf);
		return 0;
	}
	if (garbage) {
		char buf[256];
		int fd = dial();
		ssize_t r;
		if (fd < 0 || write(fd, "this is not a policy request\n\n", 30) != 30)
			return 1;
		r = read(fd, buf, sizeof(buf));
		puts(r <= 0 ? "closed" : "answered");
		return 0;
	}
	lat = calloc((size_t)nreq, sizeof(double));
	th = calloc((size_t)nclients, sizeof(pthread_t));
	t0 = now();
	for (int i = 0; i < nclients; i++)
		pthread_create(&th[i], NULL, client, NULL);
	for (int i = 0; i < nclients; i++)
		pthread_join(th[i], NULL);
	t1 = now();
	for (long i = 0; i < nreq; i++)
		if (lat[i] > 0)
			lat[done++] = lat[i];
	qsort(lat, (size_t)done, sizeof(double), cmp);
	printf("clients %d requests %ld answered %ld errors %ld rps %.0f p50_ms %.3f p99_ms %.3f max_ms %.3f\n",
	       nclients, nreq, done, errors, done / (t1 - t0), done ? lat[done / 2] * 1000 : 0,
	       done ? lat[(long)(done * 0.99)] * 1000 : 0, done ? lat[done - 1] * 1000 : 0);
	for (int i = 0; i < 16 && actions[i][0]; i++)
		printf("  %ld x action=%s\n", action_count[i], actions[i]);
	fflush(stdout);
	free(lat);
	free(th);
	return errors ? 1 : 0;
}
