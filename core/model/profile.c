#include "core/model/profile.h"
#include "core/base/xml.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *mc_profile_to_xml(const mc_facts *f, const mc_host_info *host, size_t *len, mc_error *err)
{
	char id[MC_PROFILE_ID_LEN + 1];
	mc_xml_out x = { 0 };
	if (mc_profile_id(f, id, err) < 0 || mc_xml_out_open(&x, err) < 0)
		return mc_xml_out_close(&x, false, NULL, "profile", NULL);
	xmlTextWriterPtr w = x.w;
	bool ok =
	    xmlTextWriterStartElementNS(w, NULL, BAD_CAST "profile", BAD_CAST MC_PROFILE_NS) >= 0 &&
	    xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST id) >= 0;
	if (ok && host && host->name) {
		char ts[32];
		ok = xmlTextWriterStartElement(w, BAD_CAST "host") >= 0 &&
		     xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST host->name) >= 0 &&
		     (!host->probed ||
		      xmlTextWriterWriteAttribute(
			  w, BAD_CAST "probed",
			  BAD_CAST mc_time_iso(host->probed, ts, sizeof(ts))) >= 0) &&
		     (!host->uuid ||
		      xmlTextWriterWriteAttribute(w, BAD_CAST "uuid", BAD_CAST host->uuid) >= 0) &&
		     xmlTextWriterEndElement(w) >= 0;
	}
	for (size_t i = 0; ok && i < mc_facts_count(f); i++) {
		const mc_fact *fx = mc_facts_at(f, i);
		ok = xmlTextWriterStartElement(w, BAD_CAST "fact") >= 0 &&
		     xmlTextWriterWriteAttribute(w, BAD_CAST "domain", BAD_CAST fx->domain) >= 0 &&
		     xmlTextWriterWriteAttribute(w, BAD_CAST "key", BAD_CAST fx->key) >= 0 &&
		     xmlTextWriterWriteAttribute(w, BAD_CAST "value", BAD_CAST fx->value) >= 0 &&
		     xmlTextWriterEndElement(w) >= 0;
	}
	return mc_xml_out_close(&x, ok, len, "profile", err);
}

mc_facts *mc_profile_from_xml(const char *buf, size_t len, const char *name, mc_host_info *host,
			      mc_error *err)
{
	xmlDocPtr doc = NULL;
	mc_facts *f = NULL;
	mc_facts *result = NULL;
	g_autofree char *want_id = NULL;

	if (len > MC_PROFILE_MAX_BYTES) {
		mc_error_set(err, MC_EXIT_DATAERR, EFBIG, "%s: document larger than %u bytes", name,
			     MC_PROFILE_MAX_BYTES);
		goto out;
	}
	doc = mc_xml_parse(buf, len, name, mc_schema_profile_rng, "migcheck profile document", err);
	if (!doc)
		goto out;
	f = mc_facts_new();
	if (!f) {
		mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", name);
		goto out;
	}
	xmlNodePtr root = xmlDocGetRootElement(doc);
	want_id = mc_xml_attr(root, "id");
	bool have_host = false;
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrEqual(n->name, BAD_CAST "host")) {
			if (host && !have_host) {
				host->name = mc_xml_attr(n, "name");
				host->uuid = mc_xml_attr(n, "uuid");
				g_autofree char *p = mc_xml_attr(n, "probed");
				host->probed = p ? mc_time_parse_iso(p) : 0;
			}
			have_host = true;
			continue;
		}
		g_autofree char *d = mc_xml_attr(n, "domain");
		g_autofree char *k = mc_xml_attr(n, "key");
		g_autofree char *v = mc_xml_attr(n, "value");
		mc_error sub = { 0 };
		if (mc_facts_add(f, d, k, v, &sub) < 0) {
			mc_error_set(err, sub.exit_code, sub.errnum, "%s: line %ld: %s", name,
				     xmlGetLineNo(n), sub.msg);
			goto out;
		}
	}
	if (want_id) {
		char id[MC_PROFILE_ID_LEN + 1];
		if (mc_profile_id(f, id, err) < 0)
			goto out;
		if (strcmp(id, want_id) != 0) {
			mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
				     "%s: profile id %.12s does not match its content (%.12s)",
				     name, want_id, id);
			goto out;
		}
	}
	result = f;
	f = NULL;
out:
	if (doc)
		xmlFreeDoc(doc);
	mc_facts_free(f);
	if (!result && host)
		mc_host_info_clear(host);
	return result;
}

char *mc_read_file(const char *path, size_t *len, mc_error *err)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return (mc_error_set(err, 0, errno, "%s: %s", path, g_strerror(errno)), NULL);
	GString *s = g_string_sized_new(65536);
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			mc_error_set(err, MC_EXIT_IOERR, errno, "%s: read: %s", path,
				     g_strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (s->len + (size_t)n > MC_PROFILE_MAX_BYTES) {
			mc_error_set(err, MC_EXIT_DATAERR, EFBIG, "%s: larger than %u bytes", path,
				     MC_PROFILE_MAX_BYTES);
			goto fail;
		}
		g_string_append_len(s, chunk, n);
	}
	if (fd != STDIN_FILENO)
		close(fd);
	*len = s->len;
	return g_string_free(s, FALSE);
fail:
	if (fd != STDIN_FILENO)
		close(fd);
	g_string_free(s, TRUE);
	return NULL;
}

mc_facts *mc_profile_load_file(const char *path, mc_host_info *host, mc_error *err)
{
	size_t len = 0;
	g_autofree char *buf = mc_read_file(path, &len, err);
	if (!buf)
		return NULL;
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	size_t i = 0;
	while (i < len && g_ascii_isspace(buf[i]))
		i++;
	if (i < len && buf[i] == '<')
		return mc_profile_from_xml(buf, len, name, host, err);
	if (len == 0) {
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: empty file", name);
		return NULL;
	}
	if (!g_utf8_validate(buf, (gssize)len, NULL)) {
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: not UTF-8 text", name);
		return NULL;
	}
	return mc_facts_parse(buf, len, name, err);
}

/* ---- the VFIO device facts (vfio.dev) ---- */

GPtrArray *mc_profile_vfio_devices(const mc_facts *f)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	size_t first, last;
	mc_facts_domain_range(f, "vfio.dev", &first, &last);
	for (size_t i = first; i < last; i++) {
		const mc_fact *x = mc_facts_at(f, i);
		if (g_str_has_suffix(x->key, ".kind"))
			g_ptr_array_add(out, g_strndup(x->key, strlen(x->key) - 5));
	}
	return out;
}

const char *mc_profile_vfio_get(const mc_facts *f, const char *dev, const char *field)
{
	g_autofree char *key = g_strdup_printf("%s.%s", dev, field);
	return mc_facts_get(f, "vfio.dev", key);
}
