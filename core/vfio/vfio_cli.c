/* `migcheck vfio info|save|restore|send|recv|check` (see vfio_cli.h). */
#include "core/vfio/vfio_cli.h"
#include "core/base/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/vfio/vfio_mig.h"
#include "core/vfio/vfio_stream.h"

const char mc_vfio_cli_usage[] =
    "Usage: migcheck vfio info DEVICE\n"
    "       migcheck vfio save DEVICE [-o FILE] [--p2p] [--precopy] [--keep-running]\n"
    "       migcheck vfio restore DEVICE [-i FILE] [--p2p]\n"
    "       migcheck vfio send DEVICE HOST:PORT [--p2p] [--precopy] [--keep-running]\n"
    "       migcheck vfio recv DEVICE [ADDR:]PORT [--p2p]\n"
    "       migcheck vfio check FILE [DEVICE]\n"
    "       migcheck vfio reset DEVICE [--force]\n"
    "\n"
    "Move a VFIO device's migration state with the VFIO migration v2 state machine.\n"
    "DEVICE is a PCI address (0000:03:00.1) or an mdev UUID, opened through its VFIO\n"
    "group and a type1 container (or the iommufd device node where there is no\n"
    "group node). A device or group held by another process (a running guest) is\n"
    "reported as in use and left alone.\n"
    "\n"
    "  info      identity, IOMMU group, migration flags, device state, DMA logging,\n"
    "            IOMMU cache coherency\n"
    "  save      RUNNING -> [PRE_COPY ->] STOP_COPY -> STOP, the state as a stream to\n"
    "            FILE (default: stdout, never a terminal)\n"
    "  restore   validate the stream header against DEVICE (and, from a file, every\n"
    "            chunk), then STOP -> RESUMING -> STOP -> RUNNING (default: stdin)\n"
    "  send      save over a TCP connection to HOST:PORT and wait for the\n"
    "            receiver's verdict: a refusal (or none) puts the source device\n"
    "            back to RUNNING and fails\n"
    "  recv      listen on [ADDR:]PORT (default address 127.0.0.1; port 0 = any,\n"
    "            printed on stderr), accept one sender, restore, answer the verdict\n"
    "  check     verify a saved stream (header, every CRC-32C, end record) and, with\n"
    "            DEVICE, that the device would accept it; touches no device\n"
    "  reset     a device a failed migration left in ERROR (or RESUMING, STOP, ...)\n"
    "            back to RUNNING with VFIO_DEVICE_RESET, discarding its state; a\n"
    "            RUNNING device is left alone unless --force\n"
    "\n"
    "  --p2p           go through RUNNING_P2P / PRE_COPY_P2P (needed when a guest has\n"
    "                  several devices; the device must offer P2P)\n"
    "  --precopy       read while the device runs (PRE_COPY) first\n"
    "  --keep-running  return the source to RUNNING after the save (default: STOP)\n"
    "  --force         reset: also a RUNNING device, or one without migration state\n"
    "\n"
    "Any failure leaves the source device RUNNING and the destination reset, and\n"
    "says which state transition failed with which errno. Progress goes to stderr\n"
    "when it is a terminal.\n"
    "\n"
    "Exit status: 0 success; 64 usage; 65 bad stream (truncated, tampered, other\n"
    "format version) or a stream from another device/driver/version; 66 no such\n"
    "device or file; 69 device cannot migrate, lacks a requested feature, or is in\n"
    "use; 74 I/O error (device, file, network); 77 permission denied.\n";

typedef struct cli {
	const char *prog;
	mc_vfio_paths paths;
	bool p2p, precopy, keep, force;
	const char *file;
} cli;

static int fail(const cli *c, const mc_error *err)
{
	fprintf(stderr, "%s: %s\n", c->prog, err->msg[0] ? err->msg : strerror(err->errnum));
	return err->exit_code ? err->exit_code : MC_EXIT_SOFTWARE;
}

static int usage(const cli *c, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", c->prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see '%s --help')\n", c->prog);
	return MC_EXIT_USAGE;
}

/* ---- progress ---- */

typedef struct prog_state {
	const char *prog, *verb;
	uint64_t last;
	bool shown;
} prog_state;

static void progress(void *opaque, uint64_t done, uint64_t total)
{
	prog_state *p = opaque;
	if (done - p->last < (8u << 20) && done != total)
		return;
	p->last = done;
	p->shown = true;
	if (total)
		fprintf(stderr, "\r%s: %s %.1f / %.1f MiB (%3.0f%%)", p->prog, p->verb,
			(double)done / 1048576.0, (double)total / 1048576.0,
			100.0 * (double)done / (double)total);
	else
		fprintf(stderr, "\r%s: %s %.1f MiB", p->prog, p->verb, (double)done / 1048576.0);
}

static void progress_end(prog_state *p)
{
	if (p->shown)
		fputc('\n', stderr);
}

/* ---- TCP ---- */

static int split_hostport(const char *s, char *host, size_t hsize, const char **port)
{
	const char *colon;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':')
			return -EINVAL;
		if ((size_t)(rb - s - 1) >= hsize)
			return -EINVAL;
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = '\0';
		*port = rb + 2;
		return 0;
	}
	colon = strrchr(s, ':');
	if (!colon) {
		host[0] = '\0';
		*port = s;
		return 0;
	}
	if ((size_t)(colon - s) >= hsize)
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = colon + 1;
	return 0;
}

static bool valid_port(const char *p)
{
	char *end;
	long v = strtol(p, &end, 10);
	return *p && !*end && v >= 0 && v <= 65535;
}

int mc_vfio_tcp_connect(const char *hostport, mc_error *err)
{
	char host[256];
	const char *port;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	if (split_hostport(hostport, host, sizeof(host), &port) < 0 || !host[0] ||
	    !valid_port(port) || !strcmp(port, "0"))
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL, "%s: expected HOST:PORT", hostport);
	int r = getaddrinfo(host, port, &hints, &res);
	if (r != 0)
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, EHOSTUNREACH, "%s: %s", hostport,
				    gai_strerror(r));
	int fd = -1, e = ECONNREFUSED;
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, e, "%s: connect: %s", hostport,
				    strerror(e));
	return fd;
}

int mc_vfio_tcp_listen(const char *spec, int *port_out, mc_error *err)
{
	char host[256];
	const char *port;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *res = NULL;
	if (split_hostport(spec, host, sizeof(host), &port) < 0 || !valid_port(port))
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL, "%s: expected [ADDR:]PORT", spec);
	int r = getaddrinfo(host[0] ? host : "127.0.0.1", port, &hints, &res);
	if (r != 0)
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, EADDRNOTAVAIL, "%s: %s", spec,
				    gai_strerror(r));
	int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol), one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return mc_error_set(err, e == EACCES ? MC_EXIT_NOPERM : MC_EXIT_UNAVAILABLE, e,
				    "%s: listen: %s", spec, strerror(e));
	}
	freeaddrinfo(res);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	*port_out = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		*port_out = ss.ss_family == AF_INET6
				? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
				: ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

int mc_vfio_tcp_accept(int lfd, mc_error *err)
{
	int fd;
	do
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	int e = errno;
	close(lfd);
	if (fd < 0)
		return mc_error_set(err, MC_EXIT_IOERR, e, "accept: %s", strerror(e));
	return fd;
}

/* ---- subcommands ---- */

static mc_vfio_dev *open_dev(cli *c, const char *name, mc_error *err)
{
	return mc_vfio_open(&c->paths, name, err);
}

static int cmd_info(cli *c, const char *name)
{
	mc_error err = { 0 };
	mc_vfio_dev *d = open_dev(c, name, &err);
	if (!d)
		return fail(c, &err);
	const mc_vfio_ident *id = mc_vfio_dev_ident(d);
	char buf[128], eb[16];
	int group = -1;
	mc_vfio_ident tmp;
	mc_vfio_sysfs_ident(&c->paths, name, &tmp, &group, NULL);
	printf("device        %s\n", id->name);
	if (id->type[0])
		printf("mdev type     %s\n", id->type);
	else
		printf("ids           %04x:%04x subsystem %04x:%04x\n", id->vendor, id->device,
		       id->subvendor, id->subdevice);
	printf("driver        %s %s\n", id->driver,
	       id->driver_version[0] ? id->driver_version : "(no version)");
	if (group >= 0)
		printf("iommu group   %d\n", group);
	uint64_t flags;
	int r = mc_vfio_dev_mig_flags(d, &flags);
	if (r == 0) {
		mc_vfio_mig_flags_format(flags, buf, sizeof(buf));
		printf("migration     %s\n", buf);
		uint32_t st;
		if (mc_vfio_dev_get_state(d, &st) == 0)
			printf("state         %s\n", mc_vfio_state_name(st));
	} else {
		printf("migration     none (VFIO_DEVICE_FEATURE_MIGRATION: %s)%s\n",
		       mc_vfio_errno_name(-r, eb),
		       mc_vfio_dev_v1_region(d) > 0 ? ", deprecated v1 region only" : "");
	}
	r = mc_vfio_dev_dma_logging(d);
	printf("dma logging   %s\n", r > 0 ? "yes" : r == 0 ? "no" : mc_vfio_errno_name(-r, eb));
	r = mc_vfio_dev_coherent(d);
	printf("coherent dma  %s\n", r > 0    ? "yes (IOMMU enforces snooping)"
				     : r == 0 ? "no"
					      : mc_vfio_errno_name(-r, eb));
	mc_vfio_dev_free(d);
	if (fflush(stdout) != 0) {
		mc_error_set(&err, MC_EXIT_IOERR, EIO, "stdout: write error");
		return fail(c, &err);
	}
	return 0;
}

/* Save to fd; over a socket (vfio send), wait for the receiver's verdict. */
static int do_save(cli *c, const char *name, int fd, const char *what, bool sock)
{
	mc_error err = { 0 };
	mc_vfio_save_opts so = { .p2p = c->p2p, .precopy = c->precopy, .keep_running = c->keep };
	prog_state ps = { c->prog, "saved", 0, false };
	mc_vfio_progress pr = { progress, &ps };
	mc_vfio_dev *d = open_dev(c, name, &err);
	if (!d)
		return fail(c, &err);
	const mc_vfio_progress *pp = isatty(STDERR_FILENO) ? &pr : NULL;
	int r = sock ? mc_vfio_send_sock(d, &so, fd, what, pp, NULL, &err)
		     : mc_vfio_save_to_fd(d, &so, fd, what, pp, NULL, &err);
	progress_end(&ps);
	mc_vfio_dev_free(d);
	return r < 0 ? fail(c, &err) : 0;
}

/* Restore from fd; over a socket (vfio recv), answer with the verdict. */
static int do_restore(cli *c, const char *name, int fd, const char *what, bool sock)
{
	mc_error err = { 0 };
	mc_vfio_restore_opts ro = { .p2p = c->p2p };
	prog_state ps = { c->prog, "restored", 0, false };
	mc_vfio_progress pr = { progress, &ps };
	mc_vfio_dev *d = open_dev(c, name, &err);
	if (!d) {
		if (sock)
			dprintf(fd, "ERR %s\n", err.msg);
		return fail(c, &err);
	}
	const mc_vfio_progress *pp = isatty(STDERR_FILENO) ? &pr : NULL;
	int r = sock ? mc_vfio_recv_sock(d, &ro, fd, what, pp, NULL, &err)
		     : mc_vfio_restore_from_fd(d, &ro, fd, what, pp, NULL, &err);
	progress_end(&ps);
	mc_vfio_dev_free(d);
	return r < 0 ? fail(c, &err) : 0;
}

static int cmd_save(cli *c, const char *name)
{
	mc_error err = { 0 };
	if (!c->file || !strcmp(c->file, "-")) {
		if (isatty(STDOUT_FILENO))
			return usage(
			    c, "%s",
			    "refusing to write a binary stream to a terminal (use -o FILE)");
		/* A reader that stops early is an error to recover from (device
		 * back to RUNNING, one line), not a silent death in STOP_COPY. */
		signal(SIGPIPE, SIG_IGN);
		return do_save(c, name, STDOUT_FILENO, "stdout", false);
	}
	/* Write FILE.tmp.XXXXXX and rename: a failed save leaves no half stream;
	 * a FIFO or character device is written straight into, a symlink or
	 * other special file refused (core/base/outfile.h). */
	mc_outfile out;
	if (mc_outfile_open(&out, c->file, 0600, &err) < 0)
		return fail(c, &err);
	int rc = do_save(c, name, out.fd, c->file, false);
	if (rc != 0) {
		mc_outfile_abort(&out);
		return rc;
	}
	if (mc_outfile_commit(&out, &err) < 0)
		rc = fail(c, &err);
	return rc;
}

static int cmd_restore(cli *c, const char *name)
{
	mc_error err = { 0 };
	if (!c->file || !strcmp(c->file, "-")) {
		if (isatty(STDIN_FILENO))
			return usage(c, "%s",
				     "refusing to read a stream from a terminal (use -i FILE)");
		return do_restore(c, name, STDIN_FILENO, "stdin", false);
	}
	int fd = open(c->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		mc_error_set(&err, 0, e, "%s: %s", c->file, strerror(e));
		return fail(c, &err);
	}
	int rc = do_restore(c, name, fd, c->file, false);
	close(fd);
	return rc;
}

static int cmd_send(cli *c, const char *name, const char *dest)
{
	mc_error err = { 0 };
	signal(SIGPIPE, SIG_IGN);
	int fd = mc_vfio_tcp_connect(dest, &err);
	if (fd < 0)
		return fail(c, &err);
	int rc = do_save(c, name, fd, dest, true);
	close(fd);
	return rc;
}

static int cmd_recv(cli *c, const char *name, const char *spec)
{
	mc_error err = { 0 };
	int port;
	/* Identity first: a missing device fails before anyone connects. */
	mc_vfio_ident id;
	int group;
	if (mc_vfio_sysfs_ident(&c->paths, name, &id, &group, &err) < 0)
		return fail(c, &err);
	int lfd = mc_vfio_tcp_listen(spec, &port, &err);
	if (lfd < 0)
		return fail(c, &err);
	fprintf(stderr, "%s: listening on port %d\n", c->prog, port);
	fflush(stderr);
	int fd = mc_vfio_tcp_accept(lfd, &err);
	if (fd < 0)
		return fail(c, &err);
	int rc = do_restore(c, name, fd, "connection", true);
	close(fd);
	return rc;
}

static int cmd_check(cli *c, const char *file, const char *name)
{
	mc_error err = { 0 };
	mc_vfio_ident dev, src;
	int group;
	uint64_t total = 0;
	if (name && mc_vfio_sysfs_ident(&c->paths, name, &dev, &group, &err) < 0)
		return fail(c, &err);
	int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0) {
		int e = errno;
		mc_error_set(&err, 0, e, "%s: %s", file, strerror(e));
		return fail(c, &err);
	}
	int r = mc_vfio_stream_verify(fd, file, name ? &dev : NULL, &src, &total, &err);
	if (fd != STDIN_FILENO)
		close(fd);
	if (r < 0)
		return fail(c, &err);
	char flags[96];
	mc_vfio_mig_flags_format(src.mig_flags, flags, sizeof(flags));
	printf("%s: ok, %llu bytes of device state from %s (", file, (unsigned long long)total,
	       src.name[0] ? src.name : "?");
	if (src.type[0])
		printf("mdev type %s", src.type);
	else
		printf("%04x:%04x subsystem %04x:%04x", src.vendor, src.device, src.subvendor,
		       src.subdevice);
	printf(", driver %s %s, migration %s)", src.driver,
	       src.driver_version[0] ? src.driver_version : "(no version)", flags);
	if (name)
		printf("; %s accepts it", name);
	printf("\n");
	return fflush(stdout) == 0 ? 0 : MC_EXIT_IOERR;
}

static int cmd_reset(cli *c, const char *name)
{
	mc_error err = { 0 };
	mc_vfio_dev *d = open_dev(c, name, &err);
	if (!d)
		return fail(c, &err);
	uint32_t before, after;
	int r = mc_vfio_mig_reset(d, c->force, &before, &after, &err);
	mc_vfio_dev_free(d);
	if (r < 0)
		return fail(c, &err);
	if (r == 0)
		printf("%s: RUNNING, left alone (--force resets it, discarding its state)\n", name);
	else if (before == MC_VFIO_STATE_UNKNOWN)
		printf("%s: reset (VFIO_DEVICE_RESET; no migration state to read)\n", name);
	else
		printf("%s: %s -> %s (VFIO_DEVICE_RESET; device state discarded)\n", name,
		       mc_vfio_state_name(before), mc_vfio_state_name(after));
	return fflush(stdout) == 0 ? 0 : MC_EXIT_IOERR;
}

int mc_vfio_cli(int argc, char **argv, const char *prog)
{
	static const struct option opts[] = {
		{ "p2p", no_argument, NULL, 'p' },
		{ "precopy", no_argument, NULL, 'c' },
		{ "keep-running", no_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "input", required_argument, NULL, 'i' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	cli c = { .prog = prog };
	const char *sys = getenv("MIGCHECK_SYSFS"), *dev = getenv("MIGCHECK_DEVDIR");
	c.paths.sys_root = sys && *sys ? sys : "/sys";
	c.paths.dev_root = dev && *dev ? dev : "/dev";
	if (argc < 2)
		return usage(
		    &c, "%s",
		    "expected a subcommand: info, save, restore, send, recv, check, reset");
	const char *sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		fputs(mc_vfio_cli_usage, stdout);
		return 0;
	}
	int in_ok = !strcmp(sub, "restore"), out_ok = !strcmp(sub, "save");
	int save_ok = out_ok || !strcmp(sub, "send");
	int p2p_ok = save_ok || in_ok || !strcmp(sub, "recv");
	int ch;
	optind = 1;
	opterr = 0;
	/* GNU getopt permutes: options may follow the operands. */
	while ((ch = getopt_long(argc - 1, argv + 1, "o:i:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (!p2p_ok)
				return usage(&c, "--p2p does not apply to '%s'", sub);
			c.p2p = true;
			break;
		case 'c':
		case 'k':
			if (!save_ok)
				return usage(&c, "--precopy/--keep-running do not apply to '%s'",
					     sub);
			if (ch == 'c')
				c.precopy = true;
			else
				c.keep = true;
			break;
		case 'o':
			if (!out_ok)
				return usage(&c, "-o applies to 'save' only, not '%s'", sub);
			c.file = optarg;
			break;
		case 'i':
			if (!in_ok)
				return usage(&c, "-i applies to 'restore' only, not '%s'", sub);
			c.file = optarg;
			break;
		case 'f':
			if (strcmp(sub, "reset"))
				return usage(&c, "--force applies to 'reset' only, not '%s'", sub);
			c.force = true;
			break;
		case 'h':
			fputs(mc_vfio_cli_usage, stdout);
			return 0;
		default:
			return usage(&c, "bad option '%s'", (argv + 1)[optind - 1]);
		}
	}
	char **pos = argv + 1 + optind;
	int npos = argc - 1 - optind;
	if (!strcmp(sub, "info") && npos == 1)
		return cmd_info(&c, pos[0]);
	if (!strcmp(sub, "save") && npos == 1)
		return cmd_save(&c, pos[0]);
	if (!strcmp(sub, "restore") && npos == 1)
		return cmd_restore(&c, pos[0]);
	if (!strcmp(sub, "send") && npos == 2)
		return cmd_send(&c, pos[0], pos[1]);
	if (!strcmp(sub, "recv") && npos == 2)
		return cmd_recv(&c, pos[0], pos[1]);
	if (!strcmp(sub, "check") && (npos == 1 || npos == 2))
		return cmd_check(&c, pos[0], npos == 2 ? pos[1] : NULL);
	if (!strcmp(sub, "reset") && npos == 1)
		return cmd_reset(&c, pos[0]);
	if (strcmp(sub, "info") && strcmp(sub, "save") && strcmp(sub, "restore") &&
	    strcmp(sub, "send") && strcmp(sub, "recv") && strcmp(sub, "check") &&
	    strcmp(sub, "reset"))
		return usage(&c, "unknown subcommand '%s'", sub);
	return usage(&c, "wrong number of arguments for '%s'", sub);
}
