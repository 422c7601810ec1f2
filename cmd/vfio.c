/* migcheck vfio — VFIO device state: info, save, restore, send, recv, check.
 * The implementation is libc-only (core/vfio/vfio_cli.c) and shared with the static
 * test driver cmd/migcheck-vfio that runs inside emulated hosts. */
#include "core/vfio/vfio_cli.h"
#include "cmd/cmd.h"

static int run(mc_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	return mc_vfio_cli(argc, argv, "migcheck vfio");
}

const mc_verb mc_verb_vfio = {
	"vfio",
	run,
	"VFIO device state: info, save, restore, send, recv, check",
	mc_vfio_cli_usage,
};
