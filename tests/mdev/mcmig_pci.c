// SPDX-License-Identifier: GPL-2.0-only
/*
 * mcmig_pci - the mcmig device state and VFIO migration (STOP_COPY, P2P,
 * PRE_COPY from 6.2) on a real PCI function: a vfio-pci variant driver, as
 * mlx5_vfio_pci is, for QEMU's edu device (1234:11e8) bound through
 * driver_override. DMA goes through the host's real IOMMU, so its cache
 * coherency (VFIO_DMA_CC_IOMMU) is the IOMMU's. Same sysfs attributes as the
 * mdev, in /sys/bus/pci/devices/ADDR/mcmig/. The code is mcmig.c's.
 */
#define MCMIG_PCI 1
#include "mcmig.c"
