/* migcheck-vfio — `migcheck vfio` as a static binary (libc only) for hosts
 * without migcheck's libraries, e.g. the emulated test hosts' initramfs:
 *
 *   migcheck-vfio info|save|restore|send|recv|check ...   (as `migcheck vfio`)
 *
 * Same code as the verb (core/vfio/vfio_cli.c), same options and exit codes. */
#include "core/vfio/vfio_cli.h"

int main(int argc, char **argv)
{
	return mc_vfio_cli(argc, argv, "migcheck-vfio");
}
