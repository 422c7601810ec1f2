#include "probes/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/parsers.h"

static int mark_internal(mc_error *err, int r)
{
	if (r < 0 && err)
		err->exit_code = MC_EXIT_SOFTWARE;
	return r;
}

int mc_probe_fact(mc_facts *out, const char *domain, const char *key, const char *value,
		  mc_error *err)
{
	return mark_internal(err, mc_facts_set(out, domain, key, value, err));
}

int mc_probe_factf(mc_facts *out, const char *domain, const char *key, mc_error *err,
		   const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return mc_error_set(err, MC_EXIT_SOFTWARE, ERANGE, "fact %s %s: value too long",
				    domain, key);
	return mc_probe_fact(out, domain, key, buf, err);
}

int mc_probe_nomem(mc_error *err, const char *what)
{
	return mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", what);
}

int mc_probe_read_file(const char *path, size_t max, char **text_out, size_t *len_out,
		       mc_error *err)
{
	int r = 0, fd = -1;
	size_t len = 0, cap = 4096;
	char *buf = NULL;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = mc_error_set(err, 0, errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	buf = malloc(cap);
	if (!buf) {
		r = mc_probe_nomem(err, path);
		goto out;
	}
	for (;;) {
		if (len + 1 >= cap) {
			if (cap > max) {
				r = mc_error_set(err, MC_EXIT_DATAERR, EFBIG,
						 "%s: larger than %zu bytes", path, max);
				goto out;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				r = mc_probe_nomem(err, path);
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = mc_error_set(err, 0, errno, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		r = mc_error_set(err, MC_EXIT_DATAERR, EFBIG, "%s: larger than %zu bytes", path,
				 max);
		goto out;
	}
	buf[len] = '\0';
	*text_out = buf;
	buf = NULL;
	if (len_out)
		*len_out = len;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}

int mc_probe_open_kvm(const char *path, mc_error *err)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	int e = errno;
	if (e == ENOENT || e == ENODEV || e == ENXIO)
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, e, "no %s (%s)", path, strerror(e));
	return mc_error_set(err, 0, e, "cannot open %s (%s)", path, strerror(e));
}

int mc_probe_escape(char *buf, size_t size, size_t *pos, const char *s, size_t n)
{
	size_t p = *pos;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '\\') {
			if (p + 4 >= size)
				return -ERANGE;
			snprintf(buf + p, 5, "\\x%02x", c);
			p += 4;
		} else {
			if (p + 1 >= size)
				return -ERANGE;
			buf[p++] = (char)c;
		}
	}
	buf[p] = '\0';
	*pos = p;
	return 0;
}

int mc_probe_escape_trailing_space(char *buf, size_t size, size_t *pos)
{
	size_t p = *pos, nsp = 0;
	while (nsp < p && buf[p - 1 - nsp] == ' ')
		nsp++;
	if (!nsp)
		return 0;
	size_t start = p - nsp;
	if (start + 4 * nsp >= size)
		return -ERANGE;
	for (size_t i = 0; i < nsp; i++)
		memcpy(buf + start + 4 * i, "\\x20", 4);
	*pos = start + 4 * nsp;
	buf[*pos] = '\0';
	return 0;
}

const char *mc_errno_name(int errnum, char buf[MC_ERRNO_NAME_MAX])
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
#define E(x) { x, #x }
		E(EPERM),   E(ENOENT),  E(ESRCH),   E(EINTR),     E(EIO),       E(ENXIO),
		E(E2BIG),   E(ENOEXEC), E(EBADF),   E(ECHILD),    E(EAGAIN),    E(ENOMEM),
		E(EACCES),  E(EFAULT),  E(EBUSY),   E(EEXIST),    E(ENODEV),    E(ENOTDIR),
		E(EISDIR),  E(EINVAL),  E(ENFILE),  E(EMFILE),    E(ENOTTY),    E(EFBIG),
		E(ENOSPC),  E(EROFS),   E(ERANGE),  E(ENOSYS),    E(EOVERFLOW), E(EOPNOTSUPP),
		E(ENOTSUP), E(EPROTO),  E(EBADMSG), E(ETIMEDOUT),
#undef E
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == errnum)
			return names[i].name;
	snprintf(buf, MC_ERRNO_NAME_MAX, "errno %d", errnum);
	return buf;
}

/* ---- BTF (include/uapi/linux/btf.h) ---- */

#define BTF_MAGIC 0xeB9F
enum {
	BTF_INT = 1,
	BTF_PTR,
	BTF_ARRAY,
	BTF_STRUCT,
	BTF_UNION,
	BTF_ENUM,
	BTF_FWD,
	BTF_TYPEDEF,
	BTF_VOLATILE,
	BTF_CONST,
	BTF_RESTRICT,
	BTF_FUNC,
	BTF_FUNC_PROTO,
	BTF_VAR,
	BTF_DATASEC,
	BTF_FLOAT,
	BTF_DECL_TAG,
	BTF_TYPE_TAG,
	BTF_ENUM64,
};

static uint32_t btf_u32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v; /* the kernel's own BTF is in host byte order */
}

/* The string at `off` of the string section, or NULL. */
static const char *btf_str(const unsigned char *strs, size_t slen, uint32_t off)
{
	if (off >= slen || !memchr(strs + off, '\0', slen - off))
		return NULL;
	return (const char *)strs + off;
}

int mc_btf_enum_has(const unsigned char *btf, size_t len, const char *enum_name, const char *value)
{
	if (len < 24)
		return -EINVAL;
	uint16_t magic;
	memcpy(&magic, btf, 2);
	uint32_t hdr_len = btf_u32(btf + 4), toff = btf_u32(btf + 8), tlen = btf_u32(btf + 12);
	uint32_t soff = btf_u32(btf + 16), slen = btf_u32(btf + 20);
	if (magic != BTF_MAGIC || hdr_len < 24 || hdr_len > len ||
	    (uint64_t)hdr_len + toff + tlen > len || (uint64_t)hdr_len + soff + slen > len)
		return -EINVAL;
	const unsigned char *t = btf + hdr_len + toff, *end = t + tlen;
	const unsigned char *strs = btf + hdr_len + soff;
	int found = -ENOENT;
	while (t < end) {
		if (end - t < 12)
			return -EINVAL;
		uint32_t info = btf_u32(t + 4), vlen = info & 0xffff, kind = (info >> 24) & 0x1f;
		const char *name = btf_str(strs, slen, btf_u32(t));
		size_t extra;
		switch (kind) {
		case BTF_INT:
		case BTF_VAR:
		case BTF_DECL_TAG:
			extra = 4;
			break;
		case BTF_ARRAY:
			extra = 12;
			break;
		case BTF_STRUCT:
		case BTF_UNION:
		case BTF_DATASEC:
		case BTF_ENUM64:
			extra = 12 * (size_t)vlen;
			break;
		case BTF_ENUM:
		case BTF_FUNC_PROTO:
			extra = 8 * (size_t)vlen;
			break;
		case BTF_PTR:
		case BTF_FWD:
		case BTF_TYPEDEF:
		case BTF_VOLATILE:
		case BTF_CONST:
		case BTF_RESTRICT:
		case BTF_FUNC:
		case BTF_FLOAT:
		case BTF_TYPE_TAG:
			extra = 0;
			break;
		default:
			return -EINVAL;
		}
		if ((size_t)(end - t) - 12 < extra)
			return -EINVAL;
		if ((kind == BTF_ENUM || kind == BTF_ENUM64) && name && !strcmp(name, enum_name)) {
			size_t step = kind == BTF_ENUM ? 8 : 12;
			if (found < 0)
				found = 0;
			for (uint32_t i = 0; i < vlen; i++) {
				const char *v = btf_str(strs, slen, btf_u32(t + 12 + i * step));
				if (v && !strcmp(v, value))
					return 1;
			}
		}
		t += 12 + extra;
	}
	return found;
}
