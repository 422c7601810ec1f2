/* migcheck — host profiles: fingerprint, profile XML documents, loading a
 * profile from a file (facts text or XML). */
#ifndef MC_PROFILE_H
#define MC_PROFILE_H

#include <glib.h>
#include <stddef.h>
#include <time.h>

#include "core/base/error.h"
#include "core/base/facts.h"
#include "db/identity.h"

#define MC_PROFILE_NS "urn:x-migcheck:profile:1"
/* Refuse documents larger than this (a profile is ~100 KiB of text). */
#define MC_PROFILE_MAX_BYTES (64u << 20)

/* Serialise a profile (and optionally one host) as XML. Caller g_free()s. */
char *mc_profile_to_xml(const mc_facts *f, const mc_host_info *host, size_t *len, mc_error *err);

/* Parse and validate (RelaxNG, then the id attribute against the content) a
 * profile document. `host` (optional) receives the first <host>, if any. */
mc_facts *mc_profile_from_xml(const char *buf, size_t len, const char *name, mc_host_info *host,
			      mc_error *err);

/* Load a facts text file or a profile XML document (told apart by the first
 * non-blank byte), `-` for stdin. */
mc_facts *mc_profile_load_file(const char *path, mc_host_info *host, mc_error *err);

/* Read a whole file (bounded by MC_PROFILE_MAX_BYTES); `-` is stdin. Caller
 * g_free()s. */
char *mc_read_file(const char *path, size_t *len, mc_error *err);

/* The VFIO devices of a profile: the DEV of each vfio.dev "DEV.kind" fact,
 * sorted (strings the array frees). */
GPtrArray *mc_profile_vfio_devices(const mc_facts *f);
/* The vfio.dev fact "DEV.FIELD" of a profile, NULL when there is none. */
const char *mc_profile_vfio_get(const mc_facts *f, const char *dev, const char *field);

/* The embedded RelaxNG grammar of profile documents. */
extern const char mc_schema_profile_rng[];

#endif
