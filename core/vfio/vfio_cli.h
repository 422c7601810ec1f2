/* migcheck — `migcheck vfio ...`, libc only: the same code runs as the verb of
 * the migcheck binary (cmd/vfio.c) and as the static test driver
 * cmd/migcheck-vfio that runs inside emulated hosts (no GLib, no libvirt
 * there). */
#ifndef MC_VFIO_CLI_H
#define MC_VFIO_CLI_H

#include "core/base/error.h"
#include "core/base/vfio_dev.h"

extern const char mc_vfio_cli_usage[];

/* Run `vfio SUBCOMMAND ...` (argv[0] is "vfio" or the program name). Errors
 * are printed as "PROG: message"; returns the exit status. */
int mc_vfio_cli(int argc, char **argv, const char *prog);

/* TCP helpers (also used by the unit tests): connect to "HOST:PORT"
 * ("[V6]:PORT" too); listen on "[ADDR:]PORT" (port 0 = any; the bound port
 * goes to *port_out) and return the listening socket. */
int mc_vfio_tcp_connect(const char *hostport, mc_error *err);
int mc_vfio_tcp_listen(const char *spec, int *port_out, mc_error *err);
/* Accept one connection (closes the listener). */
int mc_vfio_tcp_accept(int lfd, mc_error *err);

#endif
