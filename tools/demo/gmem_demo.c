// SPDX-License-Identifier: GPL-2.0
/*
 * What a VMM does to let an assigned device DMA into guest memory backed by
 * guest_memfd, and what the kernel does when that memory goes away.
 *
 * QEMU's edu device, bound to vfio-pci and attached to an iommufd IOAS,
 * plays a loopback device: it reads a message from guest page 0 into its
 * buffer and writes it back into another guest page.  The guest_memfd is
 * mapped with IOMMU_IOAS_MAP_FILE, and the IOMMU mirrors it page by page.
 * Punching a hole in a page unmaps that page only: the device's DMA to it
 * faults in the IOMMU, and its DMA to the rest of the range goes on.  When the
 * guest touches the page again, guest_memfd allocates a new one and the IOMMU
 * maps it before the touch completes, with no call from the VMM.  Releasing
 * the guest_memfd revokes the whole mapping.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <sys/mman.h>

#define EDU_ERR_PREFIX "[error] "
#include "../../tests/e2e/edu.h"

#define PAGE_SIZE	4096
#define GMEM_SIZE	(64 * 1024)
#define IOVA		0x100000ULL
#define MSG_LEN		2048

static struct edu edu;
static unsigned char *gmem;
static int kmsg_fd;

static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("[error] ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	return 1;
}

/* The guest sends @msg from page 0; the device loops it back to page @to. */
static int loopback(const char *msg, int to)
{
	unsigned char *tx = gmem, *rx = gmem + to * PAGE_SIZE;
	__u64 iova = IOVA + to * PAGE_SIZE;

	memset(tx, 0, MSG_LEN);
	strcpy((char *)tx, msg);
	printf("[guest]  wrote \"%s\" into its page 0\n", msg);
	if (edu_dma(&edu, IOVA, EDU_BUF_ADDR, MSG_LEN, false))
		return 1;
	printf("[device] DMA read %d bytes from IOVA 0x%llx into its buffer\n",
	       MSG_LEN, IOVA);
	if (edu_dma(&edu, EDU_BUF_ADDR, iova, MSG_LEN, true))
		return 1;
	printf("[device] DMA wrote %d bytes to IOVA 0x%llx, guest sees in page %d: \"%.*s\"\n",
	       MSG_LEN, iova, to, MSG_LEN, (char *)rx);
	if (memcmp(rx, tx, MSG_LEN))
		return fail("page %d does not hold the message of page 0", to);
	return 0;
}

/*
 * The device DMAs to (@write) or from @iova; the IOMMU must block it and the
 * kernel log the fault.
 */
static int expect_fault(__u64 iova, bool write, const char *what)
{
	char line[512];

	if (edu_dma_expect_fault(&edu, kmsg_fd, iova, MSG_LEN, write, line,
				 sizeof(line)))
		return 1;
	printf("[kernel] %s:\n           %s\n", what, line);
	return 0;
}

static int map_gmem(int fd)
{
	if (ioas_map_file(&edu, fd, 0, GMEM_SIZE, IOVA))
		return 1;
	printf("[vmm]    mapped guest_memfd offset 0, %d KiB, at IOVA 0x%llx-0x%llx for device %s\n",
	       GMEM_SIZE / 1024, IOVA, IOVA + GMEM_SIZE - 1, edu.bdf);
	return 0;
}

static int unmap_gmem(const char *what)
{
	if (ioas_unmap(&edu, IOVA, GMEM_SIZE))
		return 1;
	printf("[vmm]    unmapped the %s: IOMMU_IOAS_UNMAP succeeded\n", what);
	return 0;
}

int main(void)
{
	int found, vmfd, gmem_fd;
	void *map;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	found = edu_find(edu.bdf, sizeof(edu.bdf));
	if (found <= 0)
		return found ? 1 : fail("no edu device (%04x:%04x)", EDU_VENDOR,
					EDU_DEVICE);
	if (edu_bind_vfio(&edu))
		return 1;
	printf("[vmm]    edu device %s (1234:11e8) bound to vfio-pci: %s\n",
	       edu.bdf, edu.cdev);
	if (edu_open(&edu))
		return 1;
	printf("[vmm]    device bound to iommufd and attached to IOAS %u\n",
	       edu.ioas_id);
	kmsg_fd = kmsg_open();
	if (kmsg_fd < 0)
		return 1;

	gmem_fd = gmem_create(GMEM_SIZE, &vmfd);
	if (gmem_fd < 0)
		return 1;
	map = mmap(NULL, GMEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   gmem_fd, 0);
	if (map == MAP_FAILED)
		return fail("mmap guest_memfd: %s", strerror(errno));
	gmem = map;
	printf("[vmm]    created a VM and a guest_memfd of %d KiB (shared with the host, mmap()ed)\n",
	       GMEM_SIZE / 1024);
	if (map_gmem(gmem_fd) || loopback("hello from the guest", 1))
		return 1;

	if (fallocate(gmem_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      PAGE_SIZE, PAGE_SIZE))
		return fail("fallocate(PUNCH_HOLE): %s", strerror(errno));
	printf("[vmm]    punch hole at offset 0x%x, 4 KiB (the guest freed its page 1)\n",
	       PAGE_SIZE);
	if (expect_fault(IOVA + PAGE_SIZE, true,
			 "page 1 is unmapped: the device's next DMA, to page 1, faults"))
		return 1;
	printf("[vmm]    the rest of the range stays mapped: the device loops back to page 2\n");
	if (loopback("hello past the hole", 2))
		return 1;

	for (i = 0; i < PAGE_SIZE; i++)
		if (gmem[PAGE_SIZE + i])
			return fail("page 1 is not zero after the hole punch");
	printf("[guest]  touched its page 1 again: a fresh zeroed page, which the IOMMU maps\n"
	       "         before the touch completes; the VMM did nothing\n");
	if (loopback("hello again, in the new page 1", 1))
		return 1;

	if (munmap(gmem, GMEM_SIZE))
		return fail("munmap guest_memfd: %s", strerror(errno));
	if (close(gmem_fd))
		return fail("close guest_memfd: %s", strerror(errno));
	printf("[vmm]    munmap() and close() of the guest_memfd: the file is released\n");
	if (expect_fault(IOVA + PAGE_SIZE, true,
			 "revoked on release: the device's next DMA faults") ||
	    unmap_gmem("revoked IOVA range"))
		return 1;

	if (close(vmfd))
		return fail("close VM: %s", strerror(errno));
	if (close(kmsg_fd))
		return fail("close /dev/kmsg: %s", strerror(errno));
	if (edu_close(&edu))
		return 1;
	printf("[vmm]    done: the device reached guest_memfd only while its memory was there\n");
	return 0;
}
